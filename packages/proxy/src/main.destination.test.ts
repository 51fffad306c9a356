/**
 * The fusion-proxy program with the destination service, as `fusion up` starts a sidecar:
 * not ready until its inbound endpoint is registered (it waits out a control plane that is not
 * there yet), discovers its endpoints from it, shows them and its policy in /config, and
 * deregisters on SIGTERM before it stops.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ServicePolicy } from '@fusion/mesh-types';
import { startProxyProcess } from './testing/index.ts';
import { startTestMesh } from './testing/mesh.ts';

function get(
  port: number,
  path: string,
  host = 'localhost',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('fusion-proxy registers with the destination service before it is ready, and deregisters on SIGTERM', async () => {
  // A control plane holding a policy for ai-kernel: the proxy shows it in /config, unenforced.
  const policy = {
    service: 'ai-kernel',
    version: 'sha256:0123456789abcdef',
    inbound: {},
    outbound: {},
  };
  const mesh = await startTestMesh({
    destination: {
      rebuildMs: 0,
      policies: {
        policy: (service) =>
          service === 'ai-kernel' ? (policy as unknown as ServicePolicy) : undefined,
        onChange: () => () => {},
      },
    },
  });
  const destination = mesh.destination!;
  const app = http.createServer((req, res) => res.end(`app saw ${req.headers['l5d-client-id']}`));
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const identity = await mesh.identityEnv('ai-kernel');
  // Started before the control plane's destination service is up, as can happen at boot.
  await destination.stop();

  const proxy = await startProxyProcess(() => ({
    ...identity,
    FUSION_PROXY_APP_ADDR: `127.0.0.1:${(app.address() as AddressInfo).port}`,
    FUSION_PROXY_SERVICE: 'ai-kernel',
    FUSION_PROXY_INSTANCE: 'ai-kernel-0',
  }));
  const { inbound, outbound, admin } = proxy.ports;
  const { lines } = proxy;
  try {
    await proxy.logged('outbound listening');
    const waiting = await fetch(`http://127.0.0.1:${admin}/ready`);
    assert.equal(waiting.status, 503);
    assert.match(
      await waiting.text(),
      new RegExp(
        `^not ready: waiting for the first registration with the destination service at ${destination.address} \\(.+\\)\\n$`,
      ),
    );

    await destination.start();
    await proxy.logged('proxy ready');
    assert.equal((await fetch(`http://127.0.0.1:${admin}/ready`)).status, 200);
    assert.deepEqual(destination.current().endpoints.snapshot('ai-kernel').endpoints, [
      {
        address: `127.0.0.1:${inbound}`,
        identity: identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME,
        instance: 'ai-kernel-0',
        labels: {},
      },
    ]);

    // Its outbound side finds its own inbound side through discovery, on the first request.
    const answer = await get(outbound, '/', 'ai-kernel');
    assert.deepEqual(answer, {
      status: 200,
      body: `app saw ${identity.LINKERD2_PROXY_IDENTITY_LOCAL_NAME}`,
    });
    const config = (await (await fetch(`http://127.0.0.1:${admin}/config`)).json()) as {
      policy: { exists: boolean; version: string; receivedAt: string; policy: unknown };
      outbound: {
        endpointsSource: string;
        endpoints: Record<string, { address: string; instance: string }[]>;
        destination: {
          connection: { connected: boolean };
          registration: { registered: boolean; registrations: number };
          services: Record<string, { version: number; complete: boolean; receivedAt: string }>;
        };
      };
    };
    assert.equal(config.outbound.endpointsSource, 'destination');
    assert.deepEqual(
      config.outbound.endpoints['ai-kernel']?.map((e) => [e.address, e.instance]),
      [[`127.0.0.1:${inbound}`, 'ai-kernel-0']],
    );
    assert.equal(config.outbound.destination.connection.connected, true);
    assert.equal(config.outbound.destination.registration.registrations, 1);
    assert.equal(config.outbound.destination.services['ai-kernel']?.complete, true);
    assert.deepEqual(
      [config.policy.exists, config.policy.version, config.policy.policy],
      [true, policy.version, policy],
    );
    assert.ok(Date.parse(config.policy.receivedAt) > 0);
    assert.equal(lines.find((l) => l.msg === 'policy received')?.version, policy.version);

    proxy.child.kill('SIGTERM');
    const [code] = await proxy.exited;
    assert.equal(code, 0);
    assert.ok(lines.some((l) => l.msg === 'deregistered'));
    assert.deepEqual(destination.current().endpoints.snapshot('ai-kernel').endpoints, []);
    assert.match(
      destination.metrics(),
      /destination_endpoint_changes_total\{change="deregistered"\} 1/,
    );
  } finally {
    proxy.child.kill('SIGKILL');
    app.close();
    await mesh.close();
  }
});
