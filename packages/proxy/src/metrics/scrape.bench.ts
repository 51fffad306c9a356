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
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
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

/** A synchronous stretch of main-thread work: wall time, and this process's CPU time. */
interface Segment {
  readonly wallMs: number;
  readonly cpuMs: number;
}
function timed<T>(segments: Segment[], work: () => T): T {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(cpu);
  segments.push({ wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 });
  return result;
}
const report = (label: string, segments: readonly Segment[]) => {
  console.log(`${label} wall ${summary(segments.map((s) => s.wallMs))}`);
  console.log(`${' '.repeat(label.length)} cpu  ${summary(segments.map((s) => s.cpuMs))}`);
};

// 1. The work of one scrape, turn by turn, without HTTP. Before: the route rendered and encoded
// the whole text in one turn. After: one turn reads every value into chunks, then each chunk is
// encoded in a turn of its own; the figure is the longest of those turns, per scrape.
const oneShot: Segment[] = [];
const longestTurn: Segment[] = [];
for (let i = 0; i < SCRAPES; i++) {
  timed(oneShot, () => Buffer.from(registry.expose()));
  const turns: Segment[] = [];
  const chunks = timed(turns, () => registry.exposeChunks());
  for (const chunk of chunks) timed(turns, () => Buffer.from(chunk));
  longestTurn.push(turns.reduce((a, b) => (b.wallMs > a.wallMs ? b : a)));
}
report('before: expose() + encode, one turn   ', oneShot);
report('after: longest turn of a chunked scrape', longestTurn);

// 2. Real scrapes over HTTP from a worker thread. Every synchronous stretch the server spends on
// a scrape is timed where it runs (the route's exposeChunks and each write; the old route's
// whole handler), and the loop's delay is watched meanwhile. On a busy machine the delay also
// counts the OS preempting this thread, which is why the stretches are reported as well.
const routeTurns: Segment[] = [];
const exposeChunks = registry.exposeChunks.bind(registry);
registry.exposeChunks = (chunkChars?: number) => timed(routeTurns, () => exposeChunks(chunkChars));
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
const oneShotTurns: Segment[] = [];
const before = http.createServer((_req, res) =>
  timed(oneShotTurns, () => send(res, 200, registry.expose())),
);
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

async function watched<T>(work: () => Promise<T>) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  histogram.enable();
  const result = await work();
  histogram.disable();
  gc.disconnect();
  const ms = (q: number) => (histogram.percentile(q) / 1e6).toFixed(2);
  const delay = `p50 ${ms(50)} ms, p99 ${ms(99)} ms, max ${(histogram.max / 1e6).toFixed(2)} ms`;
  const gcText = `${gcPauses.length} pauses, longest ${Math.max(0, ...gcPauses).toFixed(2)} ms`;
  return { result, delay, gcText };
}

const scrape = (port: number) =>
  watched(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const url = `http://127.0.0.1:${port}/metrics`;
        const worker = new Worker(SCRAPER, { eval: true, workerData: { url, scrapes: SCRAPES } });
        worker.once('message', resolve).once('error', reject);
      }),
  );

const idle = await watched(() => new Promise((resolve) => setTimeout(resolve, 1_000)));
console.log(`event-loop delay, idle: ${idle.delay}`);
for (const [name, port, turns] of [
  ['before (one-shot)', (before.address() as AddressInfo).port, oneShotTurns],
  ['after (chunked)', admin.address.port, routeTurns],
] as const) {
  // The route's writes run inside ServerResponse.write: timed there, for this run only.
  const write = http.ServerResponse.prototype.write;
  if (turns === routeTurns) {
    const original = write as (...args: unknown[]) => boolean;
    http.ServerResponse.prototype.write = function (this: http.ServerResponse, ...args: unknown[]) {
      return timed(routeTurns, () => original.apply(this, args));
    } as typeof write;
  }
  const run = await scrape(port);
  http.ServerResponse.prototype.write = write;
  console.log(`${name}:`);
  console.log(`  scrape round trip        ${summary(run.result)}`);
  report('  each synchronous turn    ', turns);
  console.log(`  event-loop delay         ${run.delay}; gc ${run.gcText}`);
}
before.close();
await admin.close();
