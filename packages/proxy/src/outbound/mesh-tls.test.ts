/**
 * The mesh connection: the peer must prove the identity discovery named, one TLS session per
 * endpoint carries every request, and a credentials rotation moves traffic to a new session
 * with the new certificate while the old one drains.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { captureLogger, createTestPki, until } from '../../../identity-client/src/testing/index.ts';
import { staticDiscovery } from '../discovery/index.ts';
import { type OutboundOptions, startOutbound } from './index.ts';
import { h1, type Mesh, sample, startFakePeer, startMesh, X, Y } from './testing/index.ts';

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

describe('sessions', () => {
  it('carries 50 concurrent and 50 sequential requests on ONE TLS session', async () => {
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
      for (let i = 0; i < 50; i++) {
        assert.equal((await h1(port, { host: 'identity', path: `/s/${i}`, agent })).status, 200);
      }
      assert.ok(concurrent.every((r) => r.status === 200));
      assert.equal(peer.received.length, 100);
      assert.equal(peer.secureConnections, 1);
    } finally {
      agent.destroy();
      await outbound.close();
    }
  });

  it('after a rotation, sends new requests on a new session with the new certificate and drains the old', async () => {
    // Certificates that live 3 s renew at about 2.1 s.
    const rotating = await startMesh({ lifetimeMs: 3_000 });
    const peer = await rotating.peer(X);
    const { outbound } = await outboundFor(
      { identity: [{ address: peer.address, identity: X }] },
      {},
      rotating,
    );
    try {
      const port = outbound.address.port;
      const first = rotating.client.credentials()!;
      assert.equal((await h1(port, { host: 'identity' })).status, 200);
      assert.equal(peer.received.at(-1)!.callerSerial, first.serial);
      // A response in flight on the old session when the rotation lands.
      peer.holdStreams();
      const inFlight = h1(port, { host: 'identity', path: '/stream' });
      await until(() => peer.received.at(-1)?.headers[':path'] === '/stream', 'the held request');
      await until(() => rotating.client.credentials() !== first, 'a rotation', { withinMs: 5_000 });
      await until(() => peer.secureConnections === 2, 'the new session');
      assert.equal((await h1(port, { host: 'identity' })).status, 200);
      assert.equal(peer.received.at(-1)!.callerSerial, rotating.client.credentials()!.serial);
      assert.notEqual(rotating.client.credentials()!.serial, first.serial);
      assert.equal(peer.closedSessions, 0, 'the old session is still draining');
      peer.release();
      assert.deepEqual(await inFlight.then((r) => [r.status, r.body]), [200, 'first;second']);
      await until(() => peer.closedSessions === 1, 'the old session to close once drained');
      assert.equal(peer.secureConnections, 2);
      assert.equal(peer.resumedSessions, 0, 'the second handshake was a full one');
    } finally {
      await outbound.close();
      await rotating.close();
    }
  });
});
