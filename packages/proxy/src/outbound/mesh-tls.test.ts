/**
 * The mesh connections: the peer must prove the identity discovery named; an app's HTTP/1.1
 * rides a pool of kept-alive HTTP/1.1 connections and gRPC the endpoint's one HTTP/2 session;
 * a credentials rotation moves traffic to connections with the new certificate while the old
 * ones finish what they carry.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { captureLogger, createTestPki, until } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type OutboundOptions, startOutbound } from './index.ts';
import { h1, h2c, type Mesh, sample, startFakePeer, startMesh, X, Y } from './testing/index.ts';

let mesh: Mesh;

before(async () => {
  mesh = await startMesh();
});
after(() => mesh.close());

function outboundFor(
  endpoints: Record<string, { address: string; identity: string }[]>,
  extra: Partial<OutboundOptions> = {},
  on: Mesh = mesh,
) {
  const registry = new Registry();
  return startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: on.client,
    discovery: staticDiscovery(endpoints),
    registry,
    logger: captureLogger().logger,
    ...extra,
  }).then((outbound) => ({ outbound, registry }));
}

describe('peer identity', () => {
  it('refuses a peer whose valid mesh certificate names another identity', async () => {
    const impostor = await mesh.peer(Y);
    // A long backoff, so that no background reconnect adds to the count while we look.
    const { outbound, registry } = await outboundFor(
      { identity: [{ address: impostor.address, identity: X }] },
      { reconnectBackoff: { minMs: 60_000 } },
    );
    try {
      const reply = await h1(outbound.address.port, { host: 'identity', path: '/secret' });
      assert.equal(reply.status, 502);
      assert.match(
        String(reply.headers['l5d-proxy-error']),
        new RegExp(
          `^PEER_IDENTITY_MISMATCH: ${impostor.address} \\(${X}\\): peer presented identity '${Y}'`,
        ),
      );
      assert.equal(sample(registry, 'outbound_tls_identity_mismatch_total', { server_id: X }), 1);
      assert.equal(impostor.received.length, 0, 'no request reached the impostor');
      assert.equal(
        sample(registry, 'response_total', { server_id: X, error: 'PEER_IDENTITY_MISMATCH' }),
        1,
      );
    } finally {
      await outbound.close();
    }
  });
});

describe('reaching the peer', () => {
  it('refuses a certificate for the right name from another trust root', async () => {
    const foreign = await createTestPki();
    const stranger = await startFakePeer(await foreign.serverCredentials(X), mesh.pki.anchorsPem);
    const { outbound, registry } = await outboundFor(
      { identity: [{ address: stranger.address, identity: X }] },
      { reconnectBackoff: { minMs: 60_000 } },
    );
    try {
      const reply = await h1(outbound.address.port, { host: 'identity' });
      assert.equal(reply.status, 502);
      assert.match(String(reply.headers['l5d-proxy-error']), /^TLS_HANDSHAKE: .*certificate/);
      assert.equal(sample(registry, 'outbound_tls_identity_mismatch_total', {}), 0);
      assert.equal(stranger.received.length, 0);
    } finally {
      await outbound.close();
      await stranger.close();
    }
  });

  it('answers 502 CONNECT_REFUSED when nothing listens, then fails fast while it is down', async () => {
    const gone = await mesh.peer(X);
    const address = gone.address;
    await gone.stop();
    const { outbound, registry } = await outboundFor(
      { identity: [{ address, identity: X }] },
      { reconnectBackoff: { minMs: 60_000 } },
    );
    try {
      const first = await h1(outbound.address.port, { host: 'identity' });
      assert.equal(first.status, 502);
      assert.match(String(first.headers['l5d-proxy-error']), /^CONNECT_REFUSED: 127\.0\.0\.1:/);
      const next = await h1(outbound.address.port, { host: 'identity' });
      assert.equal(next.status, 503);
      assert.match(String(next.headers['l5d-proxy-error']), /^FAIL_FAST: service identity/);
      assert.equal(sample(registry, 'outbound_http_errors_total', { error: 'FAIL_FAST' }), 1);
    } finally {
      await outbound.close();
    }
  });

  it('gives up on a peer that accepts TCP but never handshakes: 504 CONNECT_TIMEOUT', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const { outbound } = await outboundFor(
      { identity: [{ address: `127.0.0.1:${port}`, identity: X }] },
      { connectTimeoutMs: 100, reconnectBackoff: { minMs: 60_000 } },
    );
    try {
      const reply = await h1(outbound.address.port, { host: 'identity' });
      assert.equal(reply.status, 504);
      assert.match(
        String(reply.headers['l5d-proxy-error']),
        /^CONNECT_TIMEOUT: .*the TLS handshake took over 100 ms/,
      );
    } finally {
      await outbound.close();
      silent.close();
    }
  });
});

describe('connections', () => {
  it('carries 50 concurrent and then 50 sequential HTTP/1.1 requests on the connections it pooled', async () => {
    const peer = await mesh.peer(X);
    const { outbound } = await outboundFor({ identity: [{ address: peer.address, identity: X }] });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const port = outbound.address.port;
      const concurrent = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          h1(port, { host: 'identity', path: `/c/${i}`, agent }),
        ),
      );
      assert.ok(concurrent.every((r) => r.status === 200));
      const opened = peer.http1Connections;
      assert.ok(opened >= 1 && opened <= 50, `${opened} connections for 50 requests in flight`);
      for (let i = 0; i < 50; i++) {
        assert.equal((await h1(port, { host: 'identity', path: `/s/${i}`, agent })).status, 200);
      }
      assert.equal(peer.received.length, 100);
      assert.equal(peer.http1Connections, opened, 'the sequential ones opened no connection');
      // The endpoint's one HTTP/2 session, and nothing else.
      assert.equal(peer.secureConnections - peer.http1Connections, 1);
      assert.equal(peer.resumedSessions, 0);
    } finally {
      agent.destroy();
      await outbound.close();
    }
  });

  it('carries 50 concurrent gRPC calls on ONE HTTP/2 session', async () => {
    const peer = await mesh.peer(X);
    const { outbound } = await outboundFor({ identity: [{ address: peer.address, identity: X }] });
    try {
      const calls = await Promise.all(
        Array.from({ length: 50 }, () => grpc(outbound.address.port, '/grpc/0')),
      );
      assert.ok(calls.every((r) => r.trailers?.['grpc-status'] === '0'));
      assert.equal(peer.received.length, 50);
      assert.equal(peer.secureConnections, 1);
      assert.equal(peer.http1Connections, 0);
    } finally {
      await outbound.close();
    }
  });

  for (const protocol of ['http/1.1', 'h2'] as const) {
    it(`after a rotation, sends new ${protocol} requests with the new certificate and lets the old connection finish first`, async () => {
      // Certificates that live 3 s renew at about 2.1 s.
      const rotating = await startMesh({ lifetimeMs: 3_000 });
      const peer = await rotating.peer(X);
      const { outbound } = await outboundFor(
        { identity: [{ address: peer.address, identity: X }] },
        {},
        rotating,
      );
      const port = outbound.address.port;
      const send = (path: string) =>
        protocol === 'h2' ? grpc(port, path) : h1(port, { host: 'identity', path });
      const closed = () => (protocol === 'h2' ? peer.closedSessions : peer.closedHttp1Connections);
      try {
        const first = rotating.client.credentials()!;
        assert.equal((await send('/')).status, 200);
        assert.equal(peer.received.at(-1)!.callerSerial, first.serial);
        // A response in flight on the old connection when the rotation lands.
        peer.holdStreams();
        const inFlight = send('/stream');
        await until(() => peer.received.at(-1)?.headers[':path'] === '/stream', 'the held request');
        await until(() => rotating.client.credentials() !== first, 'a rotation', {
          withinMs: 5_000,
        });
        // The endpoint's HTTP/2 session reconnects at once with the new certificate.
        await until(() => peer.secureConnections - peer.http1Connections === 2, 'the new session');
        assert.equal((await send('/')).status, 200);
        const renewed = rotating.client.credentials()!;
        assert.equal(peer.received.at(-1)!.protocol, protocol);
        assert.equal(peer.received.at(-1)!.callerSerial, renewed.serial);
        assert.notEqual(renewed.serial, first.serial);
        assert.equal(closed(), 0, 'the old connection is still carrying its response');
        peer.release();
        assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'first;second']);
        await until(() => closed() === 1, 'the old connection to close once its response ended');
        assert.equal(peer.resumedSessions, 0, 'every handshake was a full one');
      } finally {
        await outbound.close();
        await rotating.close();
      }
    });
  }
});

/** A gRPC-shaped h2c call to `identity` through the outbound listener. */
function grpc(port: number, path: string) {
  return h2c(port, {
    ':method': 'POST',
    ':path': path,
    ':authority': 'identity',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
}
