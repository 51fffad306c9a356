/**
 * One Certify exchange, Linkerd's flow held entirely in memory: read the workload token (fresh
 * every time, since the supervisor rotates it), generate a new key (one key per certificate,
 * as Linkerd), send a CSR for our identity, and check what comes back.
 *
 * Nothing here writes to the file system: the only file operation in this package is the
 * `readFile` of the token below, and the key exists only as a KeyObject and a PEM string.
 */
import { generateKeyPair } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { CertifyErrorBody, CertifyRequest, CertifyResponse } from '@fusion/mesh-types';
import { CERTIFY_PATH } from '@fusion/mesh-types';
import { parseIdentityName } from '@fusion/pki';
import { type Credentials, parsePemCertificates } from '../credentials/index.ts';
import { credentialsFromResponse } from './check-issued.ts';
import { createWorkloadCsr } from './csr.ts';
import { CertifyError, type CertifyFailureCode } from './errors.ts';
import { type JsonReply, postJson } from './transport.ts';

export interface CertifyParams {
  readonly identity: string;
  readonly tokenFile: string;
  readonly trustAnchorsPem: string;
  readonly identityAddr: string;
  readonly identityServerName: string;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

const generateEcKeyPair = promisify(generateKeyPair);

/** New credentials for `params.identity`, or a CertifyError saying why not. */
export async function certify(params: CertifyParams): Promise<Credentials> {
  const workload = parseIdentityName(params.identity);
  if (!workload) {
    throw new CertifyError(
      'identity-invalid',
      `'${params.identity}' is not an identity name (<service>.<namespace>.serviceaccount.identity.<trust-domain>)`,
    );
  }
  const anchors = parsePemCertificates(params.trustAnchorsPem);
  const token = await readToken(params.tokenFile);
  const { privateKey, publicKey } = await generateEcKeyPair('ec', { namedCurve: 'P-256' });
  const request: CertifyRequest = {
    identity: params.identity,
    token: token.toString('base64'),
    certificate_signing_request: createWorkloadCsr(privateKey, publicKey, workload).toString(
      'base64',
    ),
  };
  const reply = await postJson(
    {
      addr: params.identityAddr,
      serverName: params.identityServerName,
      trustAnchorsPem: params.trustAnchorsPem,
      timeoutMs: params.timeoutMs,
      ...(params.signal ? { signal: params.signal } : {}),
    },
    CERTIFY_PATH,
    request,
  );
  return credentialsFromResponse(parseReply(reply), {
    identity: params.identity,
    publicKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    trustAnchorsPem: params.trustAnchorsPem,
    anchors,
    now: params.now(),
  });
}

async function readToken(file: string): Promise<Buffer> {
  let token: Buffer;
  try {
    token = await readFile(file);
  } catch (error) {
    throw new CertifyError(
      'token-unreadable',
      `cannot read the workload token from ${file} (LINKERD2_PROXY_IDENTITY_TOKEN_FILE): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (token.toString('utf8').trim() === '') {
    throw new CertifyError(
      'token-unreadable',
      `the workload token file ${file} (LINKERD2_PROXY_IDENTITY_TOKEN_FILE) is empty`,
    );
  }
  // Sent as the file's bytes, as Linkerd does; the service trims surrounding whitespace.
  return token;
}

function parseReply(reply: JsonReply): CertifyResponse {
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    throw new CertifyError(
      'bad-response',
      `identity service answered ${reply.status} with a body that is not JSON: ${preview(reply.body)}`,
      { status: reply.status },
    );
  }
  if (reply.status !== 200) {
    const refusal = (body as Partial<CertifyErrorBody>)?.error;
    if (refusal && typeof refusal.code === 'string' && typeof refusal.message === 'string') {
      throw new CertifyError(
        refusal.code as CertifyFailureCode,
        `identity service refused: ${refusal.message}`,
        {
          status: reply.status,
        },
      );
    }
    throw new CertifyError(
      'bad-response',
      `identity service answered ${reply.status} without a refusal code: ${preview(reply.body)}`,
      { status: reply.status },
    );
  }
  const response = body as Partial<CertifyResponse>;
  if (
    typeof response?.leaf_certificate !== 'string' ||
    !Array.isArray(response.intermediate_certificates)
  ) {
    throw new CertifyError(
      'bad-response',
      `identity service reply is not a CertifyResponse: ${preview(reply.body)}`,
      { status: reply.status },
    );
  }
  return response as CertifyResponse;
}

function preview(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
