/**
 * A small mesh for outbound tests: a throwaway PKI, a fake identity service that certifies our
 * proxy as the api-gateway, fake peers with mesh certificates, and clients that call the
 * outbound listener the ways an app does (HTTP/1.1, absolute-form, h2c).
 */
import http from 'node:http';
import http2 from 'node:http2';
import { IdentityClient } from '@fusion/identity-client';
import {
  captureLogger,
  createTestPki,
  type FakeIdentityService,
  GATEWAY,
  IDENTITY_SERVICE_NAME,
  startFakeIdentityService,
  type TestPki,
  tokenDir,
} from '../../../../identity-client/src/testing/index.ts';
import { type FakePeer, startFakePeer } from './fake-peer.ts';

/** The identity the `identity` service's proxies prove. */
export const X = 'identity.default.serviceaccount.identity.cluster.local';
/** Another valid mesh identity, for a peer that is not who discovery says. */
export const Y = 'vision.default.serviceaccount.identity.cluster.local';
export { GATEWAY };

export interface Mesh {
  readonly pki: TestPki;
  readonly service: FakeIdentityService;
  /** Our proxy's identity client, certified as GATEWAY. */
  readonly client: IdentityClient;
  peer(identity: string): Promise<FakePeer>;
  close(): Promise<void>;
}

export async function startMesh(options: { lifetimeMs?: number } = {}): Promise<Mesh> {
  const pki = await createTestPki();
  const service = await startFakeIdentityService({
    pki,
    serverIdentity: IDENTITY_SERVICE_NAME,
    ...(options.lifetimeMs ? { lifetimeMs: options.lifetimeMs } : {}),
  });
  const token = await tokenDir(await pki.mintToken(GATEWAY));
  const client = new IdentityClient({
    identity: GATEWAY,
    tokenFile: token.file,
    trustAnchorsPem: pki.anchorsPem,
    identityAddr: service.addr,
    identityServerName: IDENTITY_SERVICE_NAME,
    minRefreshMs: 100,
    logger: captureLogger().logger,
  });
  await client.start();
  const peers: FakePeer[] = [];
  return {
    pki,
    service,
    client,
    peer: async (identity) => {
      const peer = await startFakePeer(await pki.serverCredentials(identity), pki.anchorsPem);
      peers.push(peer);
      return peer;
    },
    close: async () => {
      client.stop();
      await Promise.all(peers.map((p) => p.close().catch(() => {})));
      await service.close();
      await token.remove();
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** An HTTP/1.1 request to the outbound listener (`path` may be absolute-form). */
export function h1(
  port: number,
  options: {
    path?: string;
    host?: string;
    method?: string;
    body?: string;
    agent?: http.Agent;
    headers?: Record<string, string>;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        agent: options.agent ?? false,
        headers: { ...options.headers, ...(options.host ? { host: options.host } : {}) },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** An h2c (prior knowledge) request, as a gRPC client makes; resolves with the trailers too. */
export function h2c(
  port: number,
  headers: http2.OutgoingHttpHeaders,
  body?: string,
): Promise<Reply & { trailers: http2.IncomingHttpHeaders | undefined }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  return new Promise<Reply & { trailers: http2.IncomingHttpHeaders | undefined }>(
    (resolve, reject) => {
      session.on('error', reject);
      const stream = session.request(headers);
      let status = 0;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders | undefined;
      let text = '';
      stream.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h;
      });
      stream.on('trailers', (t) => {
        trailers = t;
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        text += chunk;
      });
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: text, trailers }));
      stream.on('error', reject);
      stream.end(body);
    },
  ).finally(() => session.close());
}
