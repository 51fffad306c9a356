/**
 * The mesh under `fusion up --detach`: every service behind its sidecar, internal ports that
 * speak only mesh mTLS, a request that crosses two proxy pairs with the identities each side
 * proved, and an app that dies behind its sidecar.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { eventually, getJson, preparePlatform, type StatusJson } from './helpers/platform.ts';

const identityOf = (service: string) => `${service}.default.serviceaccount.identity.cluster.local`;

describe('the mesh under fusion up', () => {
  const platform = preparePlatform(7400);
  const port = (service: string) => platform.ports[service]!;
  const gateway = `http://127.0.0.1:${port('api-gateway')}`;
  let status: StatusJson;

  const sidecarOf = (service: string) => {
    const sidecar = status.components.find((c) => c.name === `${service}-proxy`)?.sidecar;
    assert.ok(sidecar, `${service} has a sidecar in fusion status`);
    return sidecar;
  };
  const metricsOf = async (service: string) =>
    (await fetch(`http://${sidecarOf(service).admin}/metrics`)).text();

  before(async () => {
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    status = await platform.status();
  });
  after(() => platform.cleanup());

  test('fusion status --json lists each sidecar’s inbound, outbound and admin addresses', () => {
    const kernel = sidecarOf('ai-kernel');
    assert.deepEqual(kernel, {
      inbound: `127.0.0.1:${port('ai-kernel')}`,
      app: `127.0.0.1:${port('ai-kernel') + 10_000}`,
      outbound: `127.0.0.1:${port('ai-kernel') + 20_000}`,
      admin: `127.0.0.1:${port('ai-kernel') + 21_000}`,
    });
    const component = status.components.find((c) => c.name === 'ai-kernel-proxy')!;
    for (const address of [kernel.inbound, kernel.outbound, kernel.admin]) {
      assert.ok(component.listening?.includes(address), `${address} in ${component.listening}`);
    }
  });

  test('an internal service’s port refuses a TLS client without a mesh certificate', async () => {
    const refusal = await new Promise<Error>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: port('ai-kernel'),
        rejectUnauthorized: false,
      });
      socket.on('error', resolve);
      // TLS 1.3 reports a missing client certificate after the client's handshake finishes.
      socket.on('secureConnect', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    });
    assert.match((refusal as NodeJS.ErrnoException).code ?? '', /CERTIFICATE_REQUIRED/);
    // The same, as an operator sees it with openssl (stdin held open so the alert arrives).
    const openssl = spawnSync(
      'sh',
      ['-c', `sleep 1 | openssl s_client -connect 127.0.0.1:${port('ai-kernel')} 2>&1`],
      { encoding: 'utf8', timeout: 15_000 },
    );
    assert.match(openssl.stdout, /alert certificate required/);
  });

  test('plain HTTP to an internal port fails; to the gateway it works', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${port('ai-kernel')}/health`));
    const health = await getJson(`${gateway}/health`);
    assert.equal(health.status, 200, JSON.stringify(health.body));
    assert.equal(Object.keys(health.body.services as object).length, 9);
  });

  test('gateway → ai-kernel → identity crosses two proxy pairs, each side naming the other', async () => {
    const { status: code, body } = await getJson(`${gateway}/v1/whoami`);
    assert.equal(code, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      service: 'api-gateway',
      caller: null,
      next: {
        service: 'ai-kernel',
        caller: identityOf('api-gateway'),
        next: { service: 'identity', caller: identityOf('ai-kernel') },
      },
    });
    const hops: [caller: string, callee: string][] = [
      ['api-gateway', 'ai-kernel'],
      ['ai-kernel', 'identity'],
    ];
    for (const [caller, callee] of hops) {
      const inbound = await metricsOf(callee);
      assert.match(
        inbound,
        new RegExp(
          `^request_total\\{direction="inbound",tls="true",client_id="${identityOf(caller)}"\\} [1-9]`,
          'm',
        ),
        `${callee}'s inbound counts ${caller} over mTLS`,
      );
      const outbound = await metricsOf(caller);
      assert.match(
        outbound,
        new RegExp(
          `^request_total\\{direction="outbound",authority="${callee}",tls="true",server_id="${identityOf(callee)}",dst_service="${callee}"\\} [1-9]`,
          'm',
        ),
        `${caller}'s outbound counts ${callee}'s identity`,
      );
    }
  });

  test('an app killed behind its sidecar: the caller gets a 502 with the reason, the sidecar stays up', async () => {
    const app = status.components.find((c) => c.name === 'identity')!;
    const sidecarPid = status.components.find((c) => c.name === 'identity-proxy')!.pid;
    process.kill(app.pid!, 'SIGKILL');
    const failed = await eventually('a whoami answered while identity is down', async () => {
      const answer = await getJson(`${gateway}/v1/whoami`);
      return answer.status === 502 ? answer : undefined;
    });
    // The gateway answers for the whole chain: ai-kernel answered, identity's sidecar said why.
    const kernelHop = failed.body.next as {
      service: string;
      next: { status: number; error: string };
    };
    assert.equal(kernelHop.service, 'ai-kernel');
    assert.equal(kernelHop.next.status, 502);
    assert.match(kernelHop.next.error, /^CONNECT_REFUSED: /);
    await eventually('identity to be back behind its sidecar', async () =>
      (await getJson(`${gateway}/v1/whoami`)).status === 200 ? true : undefined,
    );
    const now = await platform.status();
    const sidecar = now.components.find((c) => c.name === 'identity-proxy')!;
    assert.equal(sidecar.pid, sidecarPid, 'the sidecar was not restarted');
    assert.equal(sidecar.restarts, 0);
    assert.equal(now.components.find((c) => c.name === 'identity')!.restarts, 1);
  });
});
