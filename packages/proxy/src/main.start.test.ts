/**
 * The fusion-proxy program, started as a sidecar is: Linkerd's environment, a certificate from
 * the real identity service, then traffic through it — its outbound side to its own inbound side
 * (static endpoints) to its app — and a clean stop on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestMesh } from './testing/index.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('fusion-proxy certifies, serves traffic through both sides, reports ready, and stops on SIGTERM', async () => {
  const mesh = await startTestMesh();
  const app = http.createServer((req, res) => res.end(`app saw ${req.headers['l5d-client-id']}`));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const [inbound, outbound, admin] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'fusion-proxy-main-'));
  const endpoints = join(dir, 'endpoints.json');
  const identity = await mesh.identityEnv('ai-kernel');
  writeFileSync(
    endpoints,
    JSON.stringify({
      'ai-kernel': [
        { address: `127.0.0.1:${inbound}`, identity: identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME },
      ],
    }),
  );

  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ...identity,
      LINKERD2_PROXY_LOG: 'warn,linkerd=info',
      LINKERD2_PROXY_LOG_FORMAT: 'json',
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-authenticated',
      LINKERD2_PROXY_INBOUND_LISTEN_ADDR: `127.0.0.1:${inbound}`,
      LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: `127.0.0.1:${outbound}`,
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR: `127.0.0.1:${admin}`,
      FUSION_PROXY_APP_ADDR: `127.0.0.1:${(app.address() as AddressInfo).port}`,
      FUSION_PROXY_SERVICE: 'ai-kernel',
      FUSION_PROXY_STATIC_ENDPOINTS: endpoints,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      messages.push(JSON.parse(line).msg);
      if (messages.includes('proxy ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${messages.join(' | ')}`)));
  });
  try {
    await ready;
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
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(messages.at(-1), 'stopped');
  } finally {
    child.kill('SIGKILL');
    app.close();
    await mesh.close();
  }
});
