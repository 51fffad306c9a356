/**
 * How long one `/metrics` scrape holds the event loop once the proxy has seen traffic to many
 * authorities (DESIGN §6: a scrape must never stall it). Linkerd's request metrics are recorded
 * through the real layer — outbound to AUTHORITIES authorities × 5 status codes, inbound from a
 * few callers — and then the admin server is scraped over HTTP from a worker thread, so that
 * the scraper's own parsing does not run on the loop being watched. Run:
 *
 *   node --import tsx packages/proxy/src/metrics/scrape.bench.ts [authorities] [scrapes]
 *
 * Not a test: it prints figures and asserts nothing. The target is a few milliseconds of block.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Registry } from '@fusion/telemetry';
import { startAdmin } from '../admin/index.ts';
import { send } from '../admin/respond.ts';
import { emptyResponse, type ProxyRequest } from '../http/message.ts';
import { createProxyLogger } from '../logging/index.ts';
import { createHttpMetrics, type TargetLabels } from './http-metrics.ts';
import { tcpMetrics } from './tcp-metrics.ts';

const AUTHORITIES = Number(process.argv[2] ?? 100);
const SCRAPES = Number(process.argv[3] ?? 100);
const STATUSES = [200, 201, 404, 500, 503];
const CALLERS = 5;

const registry = new Registry();
const record = createHttpMetrics(registry);
tcpMetrics(registry);

/** One request through the metrics layer, answered at once with `status`. */
async function oneRequest(labels: TargetLabels, status: number): Promise<void> {
  const handler = record(() => labels)(async () => emptyResponse(status));
  const request = {
    method: 'GET',
    authority: labels.authority ?? 'local',
    path: '/',
    headers: {},
    body: null,
    ctx: { startedAt: process.hrtime.bigint(), clientId: labels.clientId, tls: true },
  } as unknown as ProxyRequest;
  await (await handler(request)).trailers;
}

const identityOf = (name: string) => `${name}.default.serviceaccount.identity.cluster.local`;
for (let a = 0; a < AUTHORITIES; a++) {
  const authority = `service-${a}.default.svc.cluster.local:8080`;
  const outbound: TargetLabels = {
    direction: 'outbound',
    authority,
    tls: 'true',
    serverId: identityOf(`service-${a}`),
  };
  for (const status of STATUSES) await oneRequest(outbound, status);
}
for (let c = 0; c < CALLERS; c++) {
  const inbound: TargetLabels = {
    direction: 'inbound',
    tls: 'true',
    clientId: identityOf(`c${c}`),
  };
  for (const status of STATUSES) await oneRequest(inbound, status);
}
// Let the last classifications (response_total, recorded when trailers settle) land.
await new Promise((resolve) => setImmediate(resolve));

const text = registry.expose();
const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
console.log(
  `${AUTHORITIES} authorities × ${STATUSES.length} statuses outbound, ${CALLERS} callers inbound: ` +
    `${lines} series lines, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB per scrape`,
);

function summary(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
}

// 1. What one event-loop turn costs. Before: the route rendered and encoded the whole text in
// one turn. Now: one turn reads every value into chunks, then each chunk is encoded in a turn
// of its own, so the longest turn is the larger of those.
const oneShot: number[] = [];
const longestTurn: number[] = [];
for (let i = 0; i < SCRAPES; i++) {
  const t0 = performance.now();
  Buffer.from(registry.expose());
  oneShot.push(performance.now() - t0);
  const t1 = performance.now();
  const chunks = registry.exposeChunks();
  let longest = performance.now() - t1;
  for (const chunk of chunks) {
    const t2 = performance.now();
    Buffer.from(chunk);
    longest = Math.max(longest, performance.now() - t2);
  }
  longestTurn.push(longest);
}
console.log(`before: expose() + encode, one turn      ${summary(oneShot)}`);
console.log(`after: longest turn of exposeChunks()   ${summary(longestTurn)}`);

// 2. Real scrapes over HTTP, the loop's delay watched on this thread meanwhile: the admin
// server's /metrics, and beside it a server answering the way the route did before.
const admin = await startAdmin({
  listen: { host: '127.0.0.1', port: 0 },
  registry,
  logger: createProxyLogger({
    service: 'bench',
    filter: 'error',
    format: 'json',
    destination: { write: () => {} },
  }),
  readiness: () => ({ ready: true }),
  config: () => ({}),
});
const before = http.createServer((_req, res) => send(res, 200, registry.expose()));
await new Promise<void>((resolve) => before.listen(0, '127.0.0.1', resolve));

/** The scraper: its own thread, one scrape at a time, a short pause between them. */
const SCRAPER = `
  const { parentPort, workerData } = require('node:worker_threads');
  (async () => {
    const times = [];
    for (let i = 0; i < workerData.scrapes; i++) {
      const t0 = performance.now();
      const body = await (await fetch(workerData.url)).text();
      times.push(performance.now() - t0);
      if (!body.includes('response_latency_ms_bucket')) throw new Error('bad scrape');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    parentPort.postMessage(times);
  })();
`;

async function loopDelayWhile<T>(work: () => Promise<T>) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const result = await work();
  histogram.disable();
  const ms = (q: number) => (histogram.percentile(q) / 1e6).toFixed(2);
  return {
    result,
    text: `p50 ${ms(50)} ms, p99 ${ms(99)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms`,
  };
}

const scrape = (port: number) =>
  loopDelayWhile(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const url = `http://127.0.0.1:${port}/metrics`;
        const worker = new Worker(SCRAPER, { eval: true, workerData: { url, scrapes: SCRAPES } });
        worker.once('message', resolve).once('error', reject);
      }),
  );

const idle = await loopDelayWhile(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
console.log(`event-loop delay, idle                  ${idle.text}`);
for (const [name, port] of [
  ['before (one-shot)', (before.address() as AddressInfo).port],
  ['after (chunked)  ', admin.address.port],
] as const) {
  const run = await scrape(port);
  console.log(`${name}: scrape round trip      ${summary(run.result)}`);
  console.log(`${name}: event-loop delay       ${run.text}`);
}
before.close();
await admin.close();
