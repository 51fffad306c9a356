/**
 * The outbound proxy end to end against a fake peer proxy: how an app's HTTP/1.1 (as HTTP/1.1
 * over mTLS), absolute-form and h2c (over the HTTP/2 session) requests reach the peer, what
 * comes back, and what is counted.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type Outbound, startOutbound } from './index.ts';
import {
  type FakePeer,
  GATEWAY,
  h1,
  h2c,
  type Mesh,
  sample,
  startMesh,
  X,
} from './testing/index.ts';

let mesh: Mesh;
let peer: FakePeer;
let outbound: Outbound;
const registry = new Registry();

before(async () => {
  mesh = await startMesh();
  peer = await mesh.peer(X);
  outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: mesh.client,
    discovery: staticDiscovery({
      identity: [{ address: peer.address, identity: X }],
      analytics: [],
    }),
    registry,
    logger: captureLogger().logger,
  });
});

after(async () => {
  await outbound.close();
  await mesh.close();
});

const port = () => outbound.address.port;
const toX = {
  direction: 'outbound',
  authority: 'identity',
  tls: 'true',
  server_id: X,
  dst_service: 'identity',
};

describe('an HTTP/1.1 request from the app', () => {
  it('reaches the peer as HTTP/1.1 over mTLS, with the logical authority as its Host', async () => {
    const reply = await h1(port(), {
      method: 'POST',
      path: '/users/1?x=y',
      host: 'identity',
      body: 'hello',
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), {
      path: '/users/1?x=y',
      authority: 'identity',
      body: 'hello',
    });
    const seen = peer.received.at(-1)!;
    assert.equal(seen.protocol, 'http/1.1');
    assert.equal(seen.headers.host, 'identity');
    assert.equal(seen.headers[':method'], 'POST');
    // Only the HTTP/2 hop needs to say what the app spoke.
    assert.equal(seen.headers['l5d-orig-proto'], undefined);
    assert.match(seen.callerSan ?? '', new RegExp(`DNS:${GATEWAY.replaceAll('.', '\\.')}`));
    assert.equal(seen.callerSerial, mesh.client.credentials()!.serial);
  });

  it('streams the response body as the peer sends it', async () => {
    peer.holdStreams();
    const parts: string[] = [];
    const done = new Promise<number>((resolve, reject) => {
      http
        .get(
          { port: port(), path: '/stream', headers: { host: 'identity' }, agent: false },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              parts.push(chunk);
              // The first part arrived while the peer still holds the rest back.
              if (parts.length === 1) peer.release();
            });
            res.on('end', () => resolve(res.statusCode!));
          },
        )
        .on('error', reject);
    });
    assert.equal(await done, 200);
    assert.deepEqual(parts, ['first;', 'second']);
  });

  it('works the same in absolute form, with the proxy as an HTTP proxy', async () => {
    const before = peer.received.length;
    const reply = await h1(port(), { path: 'http://identity/x?y=1' });
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { path: '/x?y=1', authority: 'identity', body: '' });
    assert.equal(peer.received.length, before + 1);
    assert.equal(peer.received.at(-1)!.protocol, 'http/1.1');
    assert.equal(peer.received.at(-1)!.headers.host, 'identity');
  });
});

describe('an h2c request (gRPC)', () => {
  it('goes as it is and brings the trailers back; grpc-status 13 counts as a failure', async () => {
    const call = (status: number) =>
      h2c(port(), {
        ':method': 'POST',
        ':path': `/grpc/${status}`,
        ':authority': 'identity:8002',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
    const labels = { ...toX, authority: 'identity:8002' };
    const ok = await call(0);
    assert.equal(ok.status, 200);
    assert.equal(ok.trailers?.['grpc-status'], '0');
    const seen = peer.received.at(-1)!;
    assert.equal(seen.protocol, 'h2');
    assert.equal(seen.headers['l5d-orig-proto'], undefined);
    assert.equal(seen.headers[':authority'], 'identity:8002');
    assert.equal(seen.headers.te, 'trailers');

    const failed = await call(13);
    assert.equal(failed.status, 200);
    assert.equal(failed.trailers?.['grpc-status'], '13');
    const responses = (classification: string, grpc: string) =>
      sample(registry, 'response_total', { ...labels, classification, grpc_status: grpc });
    assert.equal(responses('success', '0'), 1);
    assert.equal(responses('failure', '13'), 1);
  });
});

describe('requests the proxy cannot route', () => {
  it('answers 503 UNKNOWN_SERVICE for a service discovery does not know', async () => {
    const reply = await h1(port(), { host: 'nosuch.default.svc.cluster.local:80' });
    assert.equal(reply.status, 503);
    assert.match(
      String(reply.headers['l5d-proxy-error']),
      /^UNKNOWN_SERVICE: no service named "nosuch"/,
    );
    assert.equal(sample(registry, 'outbound_http_errors_total', { error: 'UNKNOWN_SERVICE' }), 1);
  });

  it('answers 503 FAIL_FAST for a service with no endpoints', async () => {
    const reply = await h2c(port(), { ':path': '/', ':authority': 'analytics' });
    assert.equal(reply.status, 503);
    assert.match(
      String(reply.headers['l5d-proxy-error']),
      /^FAIL_FAST: service analytics is unavailable/,
    );
  });
});

describe('metrics', () => {
  it("counts request_total by authority, tls and the endpoint's identity", async () => {
    const before = sample(registry, 'request_total', toX);
    for (let i = 0; i < 7; i++) assert.equal((await h1(port(), { host: 'identity' })).status, 200);
    assert.equal(sample(registry, 'request_total', toX) - before, 7);
    assert.equal(
      sample(registry, 'response_total', {
        ...toX,
        status_code: '200',
        classification: 'success',
      }) >= 7,
      true,
    );
    assert.match(
      registry.expose(),
      /response_latency_ms_bucket\{direction="outbound",authority="identity",tls="true",server_id="[^"]+",dst_service="identity",status_code="200",le="50"\} \d+/,
    );
  });
});
