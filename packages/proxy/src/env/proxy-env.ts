/**
 * The sidecar's environment, read and checked once at start, with Linkerd's variable names,
 * meanings and defaults (so the seed's docker-compose snippets work as written) plus our
 * `FUSION_PROXY_*` ones. Every problem, the identity variables' included, goes into one
 * ProxyEnvError: a sidecar that will not start should say everything that is wrong in one go.
 */

import { statSync } from 'node:fs';
import {
  type EnvProblem,
  type IdentityClientOptions,
  IdentityEnvError,
  readIdentityEnv,
} from '@fusion/identity-client';
import type { InboundDefaultPolicy } from '@fusion/mesh-types';
import { parseIdentityName } from '@fusion/pki';
import { DEFAULT_AUDIT_MAX_BYTES } from '../audit/index.ts';
import type { H1ServerOptions } from '../h1/server.ts';
import { ACCESS_LOG_FORMATS, type AccessLogFormat } from '../logging/access-log.ts';
import {
  DEFAULT_LOG_FILTER,
  FILTER_SHAPE,
  type LogFilter,
  type LogFormat,
  parseLogFilter,
  parseLogFormat,
} from '../logging/index.ts';
import { readHttp1Env } from './http1-env.ts';
import { PROXY_ENV } from './names.ts';
import { type EnvReader, envReader } from './reader.ts';
import {
  type AppProtocol,
  type HostPort,
  INBOUND_DEFAULT_POLICIES,
  inPortRanges,
  isInstanceName,
  isServiceName,
  type PortRange,
  parseAppProtocol,
  parseBool,
  parseConnectAddress,
  parseDuration,
  parseInboundDefaultPolicy,
  parseListenAddress,
  parsePortRanges,
  parseTcpUpstreams,
  parseWholeNumber,
  type TcpUpstreamEnv,
} from './values.ts';

export interface ProxyEnv {
  /** FUSION_PROXY_SERVICE, else the service part of the identity name. */
  readonly service: string;
  readonly log: { readonly filter: LogFilter; readonly format: LogFormat };
  readonly inboundListen: HostPort;
  readonly outboundListen: HostPort;
  readonly adminListen: HostPort;
  /**
   * FUSION_PROXY_INSTANCE: which replica of the service this is (`ai-kernel-1`), as registered
   * with the destination service; the service name when unset.
   */
  readonly instance: string;
  /** Set: endpoints come from the destination service, and this proxy registers with it. */
  readonly destinationAddr: HostPort | undefined;
  /** The identity the destination service must present; always set with destinationAddr. */
  readonly destinationName: string | undefined;
  /** Unset: tracing off (the trace context is still passed on, untouched). */
  readonly traceCollectorAddr: HostPort | undefined;
  /** Share of new traces started where requests enter the mesh (an external sidecar). */
  readonly traceSampling: number;
  /** LINKERD2_PROXY_ACCESS_LOG: a line per inbound request, in this format. */
  readonly accessLog: AccessLogFormat | undefined;
  readonly inboundDefaultPolicy: InboundDefaultPolicy;
  readonly shutdownEndpointEnabled: boolean;
  readonly shutdownGracePeriodMs: number;
  readonly inboundConnectTimeoutMs: number;
  readonly outboundConnectTimeoutMs: number;
  /** The app behind the inbound side. */
  readonly app: HostPort;
  readonly appProtocol: AppProtocol;
  /**
   * Registered with the destination service, which probes it through our inbound and sends
   * callers here only while it answers 2xx. Unset: in callers' sets from registration.
   */
  readonly appReadinessPath: string | undefined;
  /** The gateway: also accept plain HTTP from outside the mesh on the inbound port. */
  readonly external: boolean;
  readonly staticEndpointsPath: string | undefined;
  /** FUSION_PROXY_AUDIT_*: where access decisions are recorded; undefined: nowhere. */
  readonly audit: AuditEnv | undefined;
  /** LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION; default none. */
  readonly inboundOpaquePorts: readonly PortRange[];
  /** The inbound listen port is among them: the app is opaque TCP (fusion.yaml `protocol: tcp`). */
  readonly inboundOpaque: boolean;
  /** FUSION_PROXY_OUTBOUND_TCP: loopback listeners for opaque TCP to mesh services. */
  readonly outboundTcp: readonly TcpUpstreamEnv[];
  readonly identity: IdentityClientOptions;
  /** FUSION_PROXY_HTTP1_*: the HTTP/1.1 engine's limits and timeouts on every listener. */
  readonly http1: Required<H1ServerOptions>;
  /** Defaults worth logging once the logger exists (Linkerd warns about the same ones). */
  readonly warnings: readonly string[];
}

export interface AuditEnv {
  readonly file: string;
  /** Share of allowed requests recorded, 0–1 (default 1); denials always are. */
  readonly allowedShare: number;
  readonly maxBytes: number;
}

export class ProxyEnvError extends Error {
  override readonly name = 'ProxyEnvError';
  readonly problems: readonly EnvProblem[];

  constructor(problems: readonly EnvProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(
      `proxy environment is invalid (${count}):\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    );
    this.problems = problems;
  }
}

const ADDRESS = 'host:port, e.g. 127.0.0.1:8080 or [::1]:8080';

function parseShare(text: string): number | undefined {
  const value = Number(text);
  return text.trim() !== '' && value >= 0 && value <= 1 ? value : undefined;
}
const DNS_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const DURATION = 'duration such as 500ms, 10s, 2m or 1h';
const PORT_RANGES = 'comma-separated ports or from-to ranges, e.g. 5432,6379,4000-4100';
const TCP_UPSTREAMS =
  'comma-separated service=host:port on loopback, e.g. postgres=127.0.0.1:15432,redis=127.0.0.1:16379';

export function readProxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  const read = envReader(env);
  const identity = readIdentity(env, read.problems);
  const listen = (variable: string, fallback: string) =>
    read.optional(variable, ADDRESS, parseListenAddress) ?? parseListenAddress(fallback)!;
  const timeout = (variable: string, fallbackMs: number) =>
    read.optional(variable, `a positive ${DURATION}`, (t) => parseDuration(t)) ?? fallbackMs;
  const flag = (variable: string) => read.optional(variable, 'true or false', parseBool) ?? false;

  const warnings: string[] = [];
  const service = read.optional(
    PROXY_ENV.service,
    'the service name, one lowercase DNS label such as ai-kernel',
    (text) => (isServiceName(text) ? text : undefined),
  );
  const instance = read.optional(
    PROXY_ENV.instance,
    "the replica's name: 1-128 letters, digits, '.', '_', ':' or '-', such as ai-kernel-1",
    (text) => (isInstanceName(text) ? text : undefined),
  );
  const destinationAddr = read.optional(PROXY_ENV.destinationAddr, ADDRESS, parseConnectAddress);
  const destinationName = readDestinationName(read, destinationAddr, warnings);
  const filter = read.optional(PROXY_ENV.log, FILTER_SHAPE, parseLogFilter);
  const format = read.optional(PROXY_ENV.logFormat, 'plain or json', parseLogFormat);
  if (read.value(PROXY_ENV.inboundDefaultPolicy) === undefined) {
    // Linkerd's proxy warns and carries on the same way.
    warnings.push(`${PROXY_ENV.inboundDefaultPolicy} is not set; using all-unauthenticated`);
  }
  const policy = read.optional(
    PROXY_ENV.inboundDefaultPolicy,
    `one of ${INBOUND_DEFAULT_POLICIES.join(', ')}`,
    parseInboundDefaultPolicy,
  );
  const serviceName = service ?? serviceOf(identity) ?? 'fusion-proxy';
  const parsed = {
    service: serviceName,
    instance: instance ?? serviceName,
    log: { filter: filter ?? parseLogFilter(DEFAULT_LOG_FILTER), format: format ?? 'plain' },
    inboundListen: listen(PROXY_ENV.inboundListen, '0.0.0.0:4143'),
    outboundListen: listen(PROXY_ENV.outboundListen, '127.0.0.1:4140'),
    adminListen: listen(PROXY_ENV.adminListen, '127.0.0.1:4191'),
    destinationAddr,
    destinationName,
    traceCollectorAddr: read.optional(PROXY_ENV.traceCollectorAddr, ADDRESS, parseConnectAddress),
    traceSampling:
      read.optional(PROXY_ENV.traceSampling, 'a share from 0 to 1, e.g. 0.1', parseShare) ?? 0.1,
    accessLog: read.optional(PROXY_ENV.accessLog, 'json (apache is not offered)', (text) =>
      (ACCESS_LOG_FORMATS as readonly string[]).includes(text)
        ? (text as AccessLogFormat)
        : undefined,
    ),
    inboundDefaultPolicy: policy ?? 'all-unauthenticated',
    shutdownEndpointEnabled: flag(PROXY_ENV.shutdownEndpointEnabled),
    shutdownGracePeriodMs:
      read.optional(PROXY_ENV.shutdownGracePeriod, `a ${DURATION}`, (t) =>
        parseDuration(t, true),
      ) ?? 120_000,
    inboundConnectTimeoutMs: timeout(PROXY_ENV.inboundConnectTimeout, 100),
    outboundConnectTimeoutMs: timeout(PROXY_ENV.outboundConnectTimeout, 1_000),
    app: read.required(PROXY_ENV.appAddr, `the app's ${ADDRESS}`, parseConnectAddress),
    appProtocol: read.optional(PROXY_ENV.appProtocol, 'http1 or h2c', parseAppProtocol) ?? 'http1',
    appReadinessPath: read.optional(
      PROXY_ENV.appReadinessPath,
      'an HTTP path such as /ready',
      (text) => (/^\/[\x21-\x7e]{0,255}$/.test(text) ? text : undefined),
    ),
    external: flag(PROXY_ENV.external),
    staticEndpointsPath: staticEndpointsPath(read, destinationAddr, warnings),
    audit: readAuditEnv(read),
    inboundOpaquePorts:
      read.optional(PROXY_ENV.inboundOpaquePorts, PORT_RANGES, parsePortRanges) ?? [],
    outboundTcp: read.optional(PROXY_ENV.outboundTcp, TCP_UPSTREAMS, parseTcpUpstreams) ?? [],
    http1: readHttp1Env(read),
    identity,
    warnings,
  };
  if (read.problems.length > 0) throw new ProxyEnvError(read.problems);
  const inboundOpaque = inPortRanges(parsed.inboundListen.port, parsed.inboundOpaquePorts);
  // With no problems, the required values (app, identity) are all present.
  return { ...parsed, app: parsed.app!, identity: parsed.identity!, inboundOpaque };
}

/**
 * Linkerd's rule: the destination service is verified by the identity it must present, so the
 * name is required with the address (a loopback address is no proof of who answers either).
 */
function readDestinationName(
  read: EnvReader,
  address: HostPort | undefined,
  warnings: string[],
): string | undefined {
  const variable = PROXY_ENV.destinationName;
  const expected = "the destination service's identity, a lowercase DNS name";
  const parse = (text: string) => (DNS_NAME.test(text) ? text : undefined);
  if (read.value(PROXY_ENV.destinationAddr) === undefined) {
    if (read.value(variable) !== undefined) {
      warnings.push(`${variable} is set without ${PROXY_ENV.destinationAddr}; it is ignored`);
    }
    return undefined;
  }
  const name = read.required(
    variable,
    `${expected}, when ${PROXY_ENV.destinationAddr} is set`,
    parse,
  );
  return address ? name : undefined;
}

function readAuditEnv(read: EnvReader): AuditEnv | undefined {
  const file = read.optional(PROXY_ENV.auditLog, 'an absolute file path', (text) =>
    text.startsWith('/') ? text : undefined,
  );
  const allowedShare = read.optional(PROXY_ENV.auditAllowed, 'a number from 0 to 1', (text) => {
    const share = /^(0|1|0?\.\d+|1\.0*)$/.test(text) ? Number(text) : Number.NaN;
    return share >= 0 && share <= 1 ? share : undefined;
  });
  const maxBytes = read.optional(
    PROXY_ENV.auditMaxBytes,
    'a size in bytes of at least 4096',
    (text) => parseWholeNumber(text, 4096, Number.MAX_SAFE_INTEGER),
  );
  if (file === undefined) return undefined;
  return {
    file,
    allowedShare: allowedShare ?? 1,
    maxBytes: maxBytes ?? DEFAULT_AUDIT_MAX_BYTES,
  };
}

/** The file is the fallback when there is no destination service; with one it is not read. */
function staticEndpointsPath(
  read: EnvReader,
  destinationAddr: HostPort | undefined,
  warnings: string[],
): string | undefined {
  const path = read.optional(
    PROXY_ENV.staticEndpoints,
    'the path of an existing JSON endpoints file',
    (text) => (isFile(text) ? text : undefined),
  );
  if (path === undefined || destinationAddr === undefined) return path;
  warnings.push(
    `${PROXY_ENV.staticEndpoints} is ignored: endpoints come from ${PROXY_ENV.destinationAddr}`,
  );
  return undefined;
}

/** The identity variables are identity-client's to read; their problems join this report. */
function readIdentity(
  env: NodeJS.ProcessEnv,
  problems: EnvProblem[],
): IdentityClientOptions | undefined {
  try {
    return readIdentityEnv(env);
  } catch (error) {
    if (!(error instanceof IdentityEnvError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

function serviceOf(identity: IdentityClientOptions | undefined): string | undefined {
  return identity ? parseIdentityName(identity.identity)?.service : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
