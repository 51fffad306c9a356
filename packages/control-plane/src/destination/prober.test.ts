import assert from 'node:assert/strict';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
import { captureLogger, createTestPki, type TestPki } from '../identity/testing.ts';
import { ReadinessProber } from './prober.ts';
import { EndpointRegistry } from './registry.ts';
import { workloadTls } from './testing.ts';

/** An endpoint's inbound as the prober meets it: mTLS h2, answering the readiness path. */
async function endpoint(pki: TestPki, service: string) {
  let status = 200;
  const paths: string[] = [];
  const server = http2.createSecureServer(
    {
      ...(await workloadTls(pki.issuer, pki.anchor.certPem, pki.identity(service))),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      paths.push(
        `${req.url} ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? ''}`,
      );
      res.writeHead(status).end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    paths,
    answer: (next: number) => {
      status = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('readiness prober', () => {
  let pki: TestPki;
  let destinationTls: import('node:tls').SecureContextOptions;

  before(async () => {
    pki = await createTestPki();
    const destination = workloadIdentity('destination', CONTROL_PLANE_NAMESPACE, pki.trustDomain);
    destinationTls = await workloadTls(pki.issuer, pki.anchor.certPem, destination);
  });
  after(() => pki.remove());

  const setup = () => {
    const registry = new EndpointRegistry({ ttlMs: 60_000, heartbeatMs: 3_000, rebuildMs: 0 });
    const { logger, lines } = captureLogger();
    const prober = new ReadinessProber({
      registry,
      tls: () => destinationTls,
      logger,
      intervalMs: 20,
      unreadyIntervalMs: 20,
    });
    const inSet = () => registry.snapshot('ai-kernel').endpoints.map((e) => e.address);
    return { registry, prober, lines, inSet };
  };

  it('sends callers to an endpoint only after it answered, and not after two failures', async () => {
    const { registry, prober, lines, inSet } = setup();
    const kernel = await endpoint(pki, 'ai-kernel');
    kernel.answer(503);
    try {
      registry.register({
        caller: pki.identity('ai-kernel'),
        service: 'ai-kernel',
        address: kernel.address,
        instance: 'ai-kernel',
        labels: {},
        readinessPath: '/ready',
      });
      await until('a few probes', () => kernel.paths.length >= 3);
      assert.deepEqual(inSet(), [], 'not ready yet: held, not sent');
      assert.equal(registry.held().length, 1);

      kernel.answer(200);
      await until('ready', () => inSet().length === 1);
      assert.match(kernel.paths[0]!, /^\/ready destination\./, 'probed as the destination service');

      kernel.answer(500);
      await until('unready', () => inSet().length === 0);
      assert.ok(lines.some((l) => l.msg === 'endpoint not ready; callers stop using it'));
      assert.equal(registry.held().length, 1, 'the lease is untouched');
    } finally {
      prober.close();
      await kernel.close();
    }
  });

  it('refuses an endpoint whose certificate names another service', async () => {
    const { registry, prober, inSet } = setup();
    // Registered as ai-kernel, but what answers at the address proves to be vision.
    const impostor = await endpoint(pki, 'vision');
    try {
      registry.register({
        caller: pki.identity('ai-kernel'),
        service: 'ai-kernel',
        address: impostor.address,
        instance: 'ai-kernel',
        labels: {},
        readinessPath: '/ready',
      });
      await sleep(200);
      assert.deepEqual(inSet(), []);
      assert.equal(impostor.paths.length, 0, 'no request was sent to it');
    } finally {
      prober.close();
      await impostor.close();
    }
  });

  it('leaves endpoints without a readiness path alone: in the set from registration', () => {
    const { registry, prober, inSet } = setup();
    registry.register({
      caller: pki.identity('ai-kernel'),
      service: 'ai-kernel',
      address: '127.0.0.1:1',
      instance: 'ai-kernel',
      labels: {},
    });
    assert.deepEqual(inSet(), ['127.0.0.1:1']);
    prober.close();
  });
});
