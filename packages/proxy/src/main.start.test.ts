/**
 * The fusion-proxy program, started as a sidecar is: Linkerd's environment, a certificate from
 * the real identity service, then traffic through it — its outbound side to its own inbound side
 * (static endpoints) to its app — and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProxyProcess, startTestMesh } from './testing/index.ts';

test('fusion-proxy certifies, serves traffic through both sides, reports ready, and stops on SIGTERM', async () => {
  const mesh = await startTestMesh();
  const app = http.createServer((req, res) => res.end(`app saw ${req.headers['l5d-client-id']}`));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const dir = mkdtempSync(join(tmpdir(), 'fusion-proxy-main-'));
  const endpoints = join(dir, 'endpoints.json');
  const identity = await mesh.identityEnv('ai-kernel');
  const proxy = await startProxyProcess(({ inbound }) => {
    writeFileSync(
      endpoints,
      JSON.stringify({
        'ai-kernel': [
          {
            address: `127.0.0.1:${inbound}`,
            identity: identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME,
          },
        ],
      }),
    );
    return {
      ...identity,
      FUSION_PROXY_APP_ADDR: `127.0.0.1:${(app.address() as AddressInfo).port}`,
      FUSION_PROXY_SERVICE: 'ai-kernel',
      FUSION_PROXY_STATIC_ENDPOINTS: endpoints,
    };
  });
  const { admin, outbound } = proxy.ports;
  try {
    await proxy.logged('proxy ready');
    assert.equal((await fetch(`http://127.0.0.1:${admin}/ready`)).status, 200);
    const answer = await new Promise<string>((resolve, reject) => {
      http
        .get(
          { host: '127.0.0.1', port: outbound, path: '/', headers: { host: 'ai-kernel' } },
          (res) => {
            let body = '';
            res.on('data', (c) => {
              body += c;
            });
            res.on('end', () => resolve(body));
          },
        )
        .on('error', reject);
    });
    assert.equal(answer, `app saw ${identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME}`);
    const metrics = await (await fetch(`http://127.0.0.1:${admin}/metrics`)).text();
    assert.match(metrics, /request_total\{direction="outbound",authority="ai-kernel",tls="true"/);
    assert.match(metrics, /request_total\{direction="inbound",tls="true",client_id="ai-kernel\./);
    assert.match(metrics, /identity_cert_expiration_timestamp_seconds \d+/);
    proxy.child.kill('SIGTERM');
    const [code] = await proxy.exited;
    assert.equal(code, 0);
    assert.equal(proxy.lines.at(-1)?.msg, 'stopped');
  } finally {
    proxy.child.kill('SIGKILL');
    app.close();
    await mesh.close();
  }
});
