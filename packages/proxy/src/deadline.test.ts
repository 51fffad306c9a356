/**
 * A deadline across two hops, as issue 11 states it: the gateway's route to ai-kernel has a 1 s
 * timeout; ai-kernel spends 600 ms, then calls identity, which would take 600 ms. Real proxies
 * (gateway outbound → ai-kernel inbound, ai-kernel outbound → identity inbound) with certificates
 * from the identity service, and apps that use the service kit's deadline and mesh client as a
 * service does. What is asserted is the order of events, not durations: the caller's 504 comes
 * before identity would have answered, identity's handler sees its signal fire first, and
 * ai-kernel's call gives up at the deadline rather than after identity's answer.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboundPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import {
  createMeshClient,
  currentDeadline,
  DEADLINE_HEADER,
  runWithDeadline,
} from '../../service-kit/src/index.ts';
import { staticDiscovery } from './discovery/index.ts';
import { PROXY_ERROR_HEADER } from './errors/rescue.ts';
import { startInbound } from './inbound/index.ts';
import { startOutbound } from './outbound/index.ts';
import { quietLogger, startTestMesh, type TestMesh } from './testing/index.ts';

const events: string[] = [];
const happened = new EventEmitter();
/** Notes what happened, in order, and wakes whoever waits for it. */
function note(event: string): void {
  events.push(event);
  happened.emit('event');
}
const closers: (() => Promise<unknown> | unknown)[] = [];
let mesh: TestMesh;
let gatewayOutbound = 0;

/** An app whose handler runs within the deadline its request carried, as the service kit does. */
function app(handle: (res: http.ServerResponse) => Promise<void>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const budget = Number(req.headers[DEADLINE_HEADER]);
    const run = () => handle(res).catch((error: Error) => res.writeHead(500).end(error.message));
    if (Number.isInteger(budget)) runWithDeadline(budget, run);
    else run();
  });
  server.listen(0, '127.0.0.1');
  closers.push(() => server.close());
  return once(server, 'listening').then(() => server);
}

const portOf = (server: http.Server) => (server.address() as AddressInfo).port;

before(async () => {
  mesh = await startTestMesh();
  const [gateway, kernel, identity] = await Promise.all(
    ['api-gateway', 'ai-kernel', 'identity'].map((name) => mesh.workload(name)),
  );
  const registry = () => new Registry();
  const inboundFor = async (workload: typeof kernel, appServer: http.Server) => {
    const inbound = await startInbound({
      listen: { host: '127.0.0.1', port: 0 },
      app: { host: '127.0.0.1', port: portOf(appServer) },
      identity: workload!.client,
      defaultPolicy: 'all-authenticated',
      registry: registry(),
      logger: quietLogger(),
    });
    closers.push(inbound.close);
    return inbound.address.port;
  };

  // identity: would take 600 ms, unless its deadline ends first.
  const identityApp = await app(async (res) => {
    const signal = currentDeadline()?.signal;
    note(`identity: started, ${Math.round(currentDeadline()?.remainingMs() ?? -1)} ms left`);
    const work = sleep(600).then(() => 'done');
    const abort = new Promise<string>((resolve) =>
      signal?.addEventListener('abort', () => resolve('aborted'), { once: true }),
    );
    const first = await Promise.race([work, abort]);
    note(`identity: ${first}`);
    if (!res.destroyed) res.end('identity answered');
  });
  const identityInbound = await inboundFor(identity, identityApp);

  const kernelOutbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: kernel!.client,
    discovery: staticDiscovery({
      identity: [{ address: `127.0.0.1:${identityInbound}`, identity: identity!.identity }],
    }),
    registry: registry(),
    logger: quietLogger(),
  });
  closers.push(kernelOutbound.close);
  const meshClient = createMeshClient({
    outbound: `http://127.0.0.1:${kernelOutbound.address.port}`,
    dependencies: ['identity'],
    defaultTimeoutMs: 5_000,
  });
  closers.push(() => meshClient.close());

  // ai-kernel: spends 600 ms, then calls identity.
  const kernelApp = await app(async (res) => {
    note('ai-kernel: started');
    await sleep(600);
    try {
      const answer = await meshClient.fetch('identity', '/whoami');
      note(`ai-kernel: identity answered ${answer.status}`);
      res.end(await answer.text());
    } catch (error) {
      note(`ai-kernel: call failed: ${(error as Error).message}`);
      if (!res.destroyed) res.writeHead(504).end();
    }
  });
  const kernelInbound = await inboundFor(kernel, kernelApp);

  const towardsKernel: OutboundPolicy = {
    service: 'ai-kernel',
    routes: [{ name: 'default', match: { headers: [] }, timeoutMs: 1_000, backends: [] }],
  };
  const outbound = await startOutbound({
    listen: { host: '127.0.0.1', port: 0 },
    identity: gateway!.client,
    discovery: staticDiscovery({
      'ai-kernel': [{ address: `127.0.0.1:${kernelInbound}`, identity: kernel!.identity }],
    }),
    registry: registry(),
    logger: quietLogger(),
    policies: {
      towards: (s) => (s === 'ai-kernel' ? towardsKernel : undefined),
      watch: () => () => {},
    },
  });
  closers.push(outbound.close);
  gatewayOutbound = outbound.address.port;
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await mesh.close();
});

test("the deadline crosses two hops: 504 at the first hop's timeout, every hop stops", async (t) => {
  const reply = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http
      .get(
        { host: '127.0.0.1', port: gatewayOutbound, path: '/run', headers: { host: 'ai-kernel' } },
        resolve,
      )
      .on('error', reject),
  );
  reply.resume();
  note(`caller: ${reply.statusCode}`);
  assert.equal(reply.statusCode, 504);
  assert.match(
    String(reply.headers[PROXY_ERROR_HEADER]),
    /^REQUEST_TIMEOUT: no response within the 1000 ms timeout of route default to ai-kernel/,
  );
  // identity got the request with what was left (about 400 ms), and stopped at the deadline.
  await waitFor(() =>
    events.some((e) => e.startsWith('identity: aborted') || e === 'identity: done'),
  );
  await waitFor(() => events.some((e) => e.startsWith('ai-kernel: ')) && events.length >= 5);
  const started = events.find((e) => e.startsWith('identity: started'));
  const left = Number(/(\d+) ms left/.exec(started ?? '')?.[1]);
  assert.ok(left > 0 && left < 1_000, `identity was told ${left} ms were left`);
  assert.ok(events.includes('identity: aborted'), events.join(' | '));
  assert.ok(!events.includes('identity: done'), 'identity kept working past the deadline');
  assert.ok(
    events.some(
      (e) => e.startsWith('ai-kernel: call failed') || e === 'ai-kernel: identity answered 504',
    ),
    events.join(' | '),
  );
  t.diagnostic(events.join(' | '));
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await once(happened, 'event');
}
