/**
 * Process and runtime metrics, read at scrape time. Names follow prom-client's defaults so the
 * usual Node.js dashboards work unchanged.
 *
 * Event-loop delay comes from perf_hooks.monitorEventLoopDelay, sampled every 100 ms: every 10 ms
 * (prom-client's default) cost an idle process 0.8 % of a core on this machine, about 15 %
 * across the platform's nineteen Node processes; every 100 ms costs 0.2 % (docs/performance.md,
 * "Platform overhead"). A stall longer than 100 ms is always seen in full; a shorter one only when it
 * overlaps a sample. Node records the whole interval between two samples, resolution included,
 * so an idle loop would read 100 ms; the resolution is subtracted to report the delay itself.
 * The window is
 * the time since the previous scrape: each scrape reads the figures below and then resets the
 * histogram, so a spike shows up in exactly one scrape.
 *   nodejs_eventloop_lag_seconds       mean delay over the window
 *   nodejs_eventloop_lag_p50_seconds   median delay over the window
 *   nodejs_eventloop_lag_p99_seconds   99th percentile delay over the window
 *   nodejs_eventloop_lag_max_seconds   worst delay over the window
 * With several scrapers the windows interleave; one Prometheus per service is the expected setup.
 *
 * Garbage collection is timed by a PerformanceObserver (prom-client's `nodejs_gc_duration_seconds`,
 * by `kind`); open handles are counted at scrape time (`nodejs_active_resources_total`: sockets,
 * servers, timers, pending requests — what keeps the process alive).
 */
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Counter, Registry } from '../metrics/index.ts';

/** Handle on the collector; `stop()` releases the event-loop monitor. */
export interface ProcessMetrics {
  stop(): void;
}

const NS_PER_SECOND = 1e9;
const LAG_RESOLUTION_MS = 100;
const LAG_RESOLUTION_NS = LAG_RESOLUTION_MS * 1e6;
const MICROS_PER_SECOND = 1e6;

/** Registers the process and runtime families on `registry`. */
export function registerProcessMetrics(registry: Registry): ProcessMetrics {
  // The user family renders first and refreshes the reading the next two share, so the three
  // CPU figures of one scrape agree with each other.
  let cpu = process.cpuUsage();
  registry.counter({
    name: 'process_cpu_user_seconds_total',
    help: 'User CPU time spent in seconds.',
    collect: (c) => {
      cpu = process.cpuUsage();
      catchUp(c, cpu.user);
    },
  });
  registry.counter({
    name: 'process_cpu_system_seconds_total',
    help: 'System CPU time spent in seconds.',
    collect: (c) => catchUp(c, cpu.system),
  });
  registry.counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    collect: (c) => catchUp(c, cpu.user + cpu.system),
  });
  registry
    .gauge({
      name: 'process_start_time_seconds',
      help: 'Start time of the process since unix epoch in seconds.',
    })
    .set(Math.round(Date.now() / 1000 - process.uptime()));
  registry.gauge({
    name: 'process_resident_memory_bytes',
    help: 'Resident memory size in bytes.',
    collect: (g) => g.set(process.memoryUsage.rss()),
  });
  registry.gauge({
    name: 'nodejs_heap_size_total_bytes',
    help: 'Process heap size from Node.js in bytes.',
    collect: (g) => g.set(process.memoryUsage().heapTotal),
  });
  registry.gauge({
    name: 'nodejs_heap_size_used_bytes',
    help: 'Process heap size used from Node.js in bytes.',
    collect: (g) => g.set(process.memoryUsage().heapUsed),
  });

  const delay = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  delay.enable();
  // The four lag gauges read one window; the last of them closes it.
  const fromWindow = (read: () => number) =>
    delay.count === 0 ? 0 : Math.max(0, read() - LAG_RESOLUTION_NS) / NS_PER_SECOND;
  registry.gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Mean event loop delay since the previous scrape, in seconds.',
    collect: (g) => g.set(fromWindow(() => delay.mean)),
  });
  registry.gauge({
    name: 'nodejs_eventloop_lag_p50_seconds',
    help: 'Median event loop delay since the previous scrape, in seconds.',
    collect: (g) => g.set(fromWindow(() => delay.percentile(50))),
  });
  registry.gauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: '99th percentile event loop delay since the previous scrape, in seconds.',
    collect: (g) => g.set(fromWindow(() => delay.percentile(99))),
  });
  registry.gauge({
    name: 'nodejs_eventloop_lag_max_seconds',
    help: 'Maximum event loop delay since the previous scrape, in seconds.',
    collect: (g) => {
      g.set(fromWindow(() => delay.max));
      delay.reset();
    },
  });

  registry.gauge({
    name: 'nodejs_active_resources_total',
    help: 'Resources keeping the event loop alive (handles, requests, timers), at scrape time.',
    collect: (g) => g.set(process.getActiveResourcesInfo().length),
  });
  const gc = registry.histogram({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection pauses by kind, in seconds.',
    labelNames: ['kind'],
    buckets: GC_BUCKETS,
  });
  const gcByKind = new Map(
    Object.entries(GC_KINDS).map(([k, name]) => [Number(k), gc.labels(name)]),
  );
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      gcByKind.get(kind ?? -1)?.observe(entry.duration / 1000);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });

  return {
    stop: () => {
      delay.disable();
      gcObserver.disconnect();
    },
  };
}

/** prom-client's GC buckets. */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Moves a counter up to a cumulative total read from the OS, never down. */
function catchUp(counter: Counter, totalMicros: number): void {
  counter.inc(Math.max(0, totalMicros / MICROS_PER_SECOND - counter.get()));
}
