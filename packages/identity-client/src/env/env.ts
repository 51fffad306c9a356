/**
 * Reads the proxy's identity settings from the `LINKERD2_PROXY_IDENTITY_*` variables, with
 * Linkerd's names, meanings and defaults, so the seed's docker-compose snippets work as written.
 * Every problem is reported at once, each naming its variable and what was expected: a sidecar
 * that will not start should say why in one go.
 */
import { parseIdentityName } from '@fusion/pki';
import type { IdentityClientOptions } from '../client/index.ts';
import { DEFAULT_MAX_REFRESH_MS, DEFAULT_MIN_REFRESH_MS } from '../client/index.ts';
import { parsePemCertificates } from '../credentials/index.ts';
import { parseEnvDuration } from './duration.ts';

export const IDENTITY_ENV = {
  localName: 'LINKERD2_PROXY_IDENTITY_LOCAL_NAME',
  tokenFile: 'LINKERD2_PROXY_IDENTITY_TOKEN_FILE',
  trustAnchors: 'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS',
  svcAddr: 'LINKERD2_PROXY_IDENTITY_SVC_ADDR',
  svcName: 'LINKERD2_PROXY_IDENTITY_SVC_NAME',
  minRefresh: 'LINKERD2_PROXY_IDENTITY_MIN_REFRESH',
  maxRefresh: 'LINKERD2_PROXY_IDENTITY_MAX_REFRESH',
} as const;

export interface EnvProblem {
  readonly variable: string;
  readonly message: string;
}

export class IdentityEnvError extends Error {
  readonly problems: readonly EnvProblem[];
  constructor(problems: readonly EnvProblem[]) {
    super(
      `identity configuration is invalid:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    );
    this.name = 'IdentityEnvError';
    this.problems = problems;
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

export function readIdentityEnv(env: NodeJS.ProcessEnv = process.env): IdentityClientOptions {
  const problems: EnvProblem[] = [];
  const problem = (variable: string, message: string) =>
    problems.push({ variable, message: `${variable} ${message}` });

  /** The trimmed value, or undefined (and a problem) when it is unset or blank. */
  const required = (variable: string, expected: string): string | undefined => {
    const value = env[variable]?.trim();
    if (value) return value;
    problem(variable, `is not set: expected ${expected}`);
    return undefined;
  };

  const identity = required(IDENTITY_ENV.localName, IDENTITY_SHAPE);
  if (identity !== undefined && !parseIdentityName(identity)) {
    problem(IDENTITY_ENV.localName, `is '${identity}': expected ${IDENTITY_SHAPE}`);
  }
  const tokenFile = required(IDENTITY_ENV.tokenFile, 'the path of the workload token file');
  const trustAnchorsPem = required(IDENTITY_ENV.trustAnchors, 'PEM trust anchor certificates');
  if (trustAnchorsPem !== undefined) {
    const why = anchorProblem(trustAnchorsPem);
    if (why) problem(IDENTITY_ENV.trustAnchors, `${why}: expected PEM trust anchor certificates`);
  }
  const identityAddr = required(IDENTITY_ENV.svcAddr, 'host:port, e.g. 127.0.0.1:8080');
  if (identityAddr !== undefined && !isHostPort(identityAddr)) {
    problem(IDENTITY_ENV.svcAddr, `is '${identityAddr}': expected host:port, e.g. 127.0.0.1:8080`);
  }
  const identityServerName = required(
    IDENTITY_ENV.svcName,
    "the identity service's own identity name",
  );
  if (identityServerName !== undefined && !DNS_NAME.test(identityServerName)) {
    problem(
      IDENTITY_ENV.svcName,
      `is '${identityServerName}': expected the identity service's identity, a lowercase DNS name`,
    );
  }
  const minRefreshMs = duration(env, IDENTITY_ENV.minRefresh, DEFAULT_MIN_REFRESH_MS, problem);
  const maxRefreshMs = duration(env, IDENTITY_ENV.maxRefresh, DEFAULT_MAX_REFRESH_MS, problem);
  if (minRefreshMs !== undefined && maxRefreshMs !== undefined && minRefreshMs > maxRefreshMs) {
    problem(
      IDENTITY_ENV.minRefresh,
      `(${minRefreshMs} ms) is longer than ${IDENTITY_ENV.maxRefresh} (${maxRefreshMs} ms): expected min <= max`,
    );
  }

  if (problems.length > 0) throw new IdentityEnvError(problems);
  return {
    identity: identity!,
    tokenFile: tokenFile!,
    trustAnchorsPem: trustAnchorsPem!,
    identityAddr: identityAddr!,
    identityServerName: identityServerName!,
    minRefreshMs: minRefreshMs!,
    maxRefreshMs: maxRefreshMs!,
  };
}

const IDENTITY_SHAPE = '<service>.<namespace>.serviceaccount.identity.<trust-domain>';

function duration(
  env: NodeJS.ProcessEnv,
  variable: string,
  fallback: number,
  problem: (variable: string, message: string) => void,
): number | undefined {
  const text = env[variable]?.trim();
  if (!text) return fallback;
  const ms = parseEnvDuration(text);
  if (ms === undefined || ms === 0) {
    problem(variable, `is '${text}': expected a positive duration such as 500ms, 10s, 5m or 24h`);
    return undefined;
  }
  return ms;
}

function anchorProblem(pem: string): string | undefined {
  try {
    return parsePemCertificates(pem).length === 0 ? 'contains no PEM certificate' : undefined;
  } catch (error) {
    return `cannot be parsed (${(error as Error).message})`;
  }
}

function isHostPort(text: string): boolean {
  const match = HOST_PORT.exec(text);
  if (!match) return false;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535;
}
