/**
 * fusion-proxy as the sidecar of an opaque app — the machine's Redis — started from its
 * environment: its port listed in LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION makes
 * the inbound side opaque, FUSION_PROXY_OUTBOUND_TCP opens a loopback upstream, and a raw RESP
 * client goes through both (outbound upstream → mTLS → its own opaque inbound → Redis).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startProxyProcess, startTestMesh } from './testing/index.ts';

test('fusion-proxy serves an opaque app and an opaque upstream from its environment', async () => {
  const mesh = await startTestMesh();
  const upstream = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fusion-proxy-tcp-'));
  const endpoints = join(dir, 'endpoints.json');
  const identity = await mesh.identityEnv('redis');
  const self = identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME!;
  const proxy = await startProxyProcess(({ inbound }) => {
    writeFileSync(
      endpoints,
      JSON.stringify({ redis: [{ address: `127.0.0.1:${inbound}`, identity: self }] }),
    );
    return {
      ...identity,
      LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION: `5432,${inbound}`,
      FUSION_PROXY_OUTBOUND_TCP: `redis=127.0.0.1:${upstream}`,
      FUSION_PROXY_APP_ADDR: '127.0.0.1:6379',
      FUSION_PROXY_SERVICE: 'redis',
      FUSION_PROXY_STATIC_ENDPOINTS: endpoints,
    };
  });
  const { inbound, admin } = proxy.ports;
  try {
    await proxy.logged('proxy ready');
    const config = (await (await fetch(`http://127.0.0.1:${admin}/config`)).json()) as {
      tcp: unknown;
    };
    assert.deepEqual(config.tcp, {
      inboundOpaque: true,
      inboundOpaquePorts: ['5432', String(inbound)],
      outbound: [{ service: 'redis', listen: `127.0.0.1:${upstream}` }],
    });

    const client = connect({ port: upstream, host: '127.0.0.1' });
    client.write('*1\r\n$4\r\nPING\r\n');
    const [reply] = await once(client, 'data');
    assert.equal(String(reply), '+PONG\r\n');
    client.end();
    await once(client, 'close');

    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    for (const labels of [
      `direction="outbound",peer="src",tls="no_identity",no_tls_reason="loopback"`,
      `direction="outbound",peer="dst",tls="true",server_id="${self}"`,
      `direction="inbound",peer="src",tls="true",client_id="${self}"`,
      `direction="inbound",peer="dst",tls="no_identity",no_tls_reason="loopback"`,
    ]) {
      assert.ok(metrics.includes(`tcp_open_total{${labels}} 1\n`), `tcp_open_total{${labels}}`);
    }
    proxy.child.kill('SIGTERM');
    const [code] = await proxy.exited;
    assert.equal(code, 0);
  } finally {
    proxy.child.kill('SIGKILL');
    await mesh.close();
  }
});
