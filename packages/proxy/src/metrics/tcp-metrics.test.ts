import assert from 'node:assert/strict';
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from '@fusion/telemetry';
import { type TransportLabels, tcpMetrics } from './tcp-metrics.ts';

const ACCEPTED: TransportLabels = {
  direction: 'inbound',
  peer: 'src',
  tls: 'true',
  clientId: 'web.default.serviceaccount.identity.cluster.local',
};
const OPENED: TransportLabels = {
  direction: 'inbound',
  peer: 'dst',
  tls: 'no_identity',
  noTlsReason: 'loopback',
};
const SRC =
  'direction="inbound",peer="src",tls="true",client_id="web.default.serviceaccount.identity.cluster.local"';
const DST = 'direction="inbound",peer="dst",tls="no_identity",no_tls_reason="loopback"';

/** The value of one series line, or undefined when the series does not exist. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('tcpMetrics', () => {
  let server: net.Server;
  let port = 0;
  const accepted: Socket[] = [];
  let registry: Registry;

  before(async () => {
    registry = new Registry();
    const metrics = tcpMetrics(registry);
    server = net.createServer((socket) => {
      metrics.trackConnection(socket, ACCEPTED);
      accepted.push(socket);
      socket.on('error', () => {});
      // Echoes, so both directions carry the same known number of bytes.
      socket.pipe(socket);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it('counts opens, closes, bytes both ways and open connections, with Linkerd labels', async () => {
    const metrics = tcpMetrics(registry);
    const payload = Buffer.alloc(300_000, 7);
    const clients: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const client = net.connect({ port, host: '127.0.0.1' });
      // Tracked while still connecting: it counts from its connect, and twice counts once.
      metrics.trackConnection(client, OPENED);
      metrics.trackConnection(client, OPENED);
      await once(client, 'connect');
      clients.push(client);
    }
    while (accepted.length < 3) await new Promise((resolve) => setImmediate(resolve));
    let text = registry.expose();
    assert.equal(seriesValue(text, `tcp_open_total{${SRC}}`), 3);
    assert.equal(seriesValue(text, `tcp_open_total{${DST}}`), 3);
    assert.equal(seriesValue(text, `tcp_open_connections{${SRC}}`), 3);
    assert.equal(seriesValue(text, `tcp_open_connections{${DST}}`), 3);
    // Bytes are counted when a connection closes, not before.
    assert.equal(seriesValue(text, `tcp_read_bytes_total{${SRC}}`), undefined);

    for (const client of clients) {
      let echoed = 0;
      client.on('data', (chunk: Buffer) => {
        echoed += chunk.length;
        if (echoed === payload.length) client.end();
      });
      client.write(payload);
    }
    await Promise.all(clients.map((c) => once(c, 'close')));
    await Promise.all(accepted.map((s) => (s.destroyed ? undefined : once(s, 'close'))));

    text = registry.expose();
    assert.equal(seriesValue(text, `tcp_open_connections{${SRC}}`), 0);
    assert.equal(seriesValue(text, `tcp_open_connections{${DST}}`), 0);
    assert.equal(seriesValue(text, `tcp_close_total{${SRC},classification="success"}`), 3);
    assert.equal(seriesValue(text, `tcp_close_total{${DST},classification="success"}`), 3);
    for (const labels of [SRC, DST]) {
      assert.ok(seriesValue(text, `tcp_read_bytes_total{${labels}}`)! >= 3 * payload.length);
      assert.ok(seriesValue(text, `tcp_write_bytes_total{${labels}}`)! >= 3 * payload.length);
    }
    assert.match(text, /^# TYPE tcp_open_connections gauge$/m);
    assert.match(text, /^# TYPE tcp_close_total counter$/m);
  });

  it('classifies a reset as a failure, and never counts a connect that failed', async () => {
    const metrics = tcpMetrics(registry);
    const labels: TransportLabels = { ...OPENED, direction: 'outbound' };
    const client = net.connect({ port, host: '127.0.0.1' });
    metrics.trackConnection(client, labels);
    await once(client, 'connect');
    while (accepted.length < 4) await new Promise((resolve) => setImmediate(resolve));
    client.on('error', () => {});
    const closed = new Promise((resolve) => client.once('close', resolve));
    accepted[3]!.resetAndDestroy();
    await closed;

    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const refused = net.connect({ port: closedPort, host: '127.0.0.1' });
    refused.on('error', () => {});
    metrics.trackConnection(refused, labels);
    await new Promise((resolve) => refused.once('close', resolve));

    const text = registry.expose();
    const out = 'direction="outbound",peer="dst",tls="no_identity",no_tls_reason="loopback"';
    assert.equal(seriesValue(text, `tcp_open_total{${out}}`), 1);
    assert.equal(seriesValue(text, `tcp_close_total{${out},classification="failure"}`), 1);
    assert.equal(seriesValue(text, `tcp_open_connections{${out}}`), 0);
  });

  it('counts errors by direction and code, and shares families per registry', () => {
    const metrics = tcpMetrics(registry);
    assert.equal(tcpMetrics(registry), metrics);
    metrics.countError('outbound', 'PEER_IDENTITY_MISMATCH');
    metrics.countError('outbound', 'PEER_IDENTITY_MISMATCH');
    metrics.countError('inbound', 'TLS_HANDSHAKE');
    const text = registry.expose();
    assert.match(text, /^outbound_tcp_errors_total\{error="PEER_IDENTITY_MISMATCH"\} 2$/m);
    assert.match(text, /^inbound_tcp_errors_total\{error="TLS_HANDSHAKE"\} 1$/m);
  });
});
