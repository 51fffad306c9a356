import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from '../metrics/index.ts';
import { registerProcessMetrics } from './process-metrics.ts';

/** Reads `name value` lines of an exposition into a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('process metrics', () => {
  it('exposes CPU, memory, heap, start time and event-loop lag with plausible figures', () => {
    const registry = new Registry();
    const metrics = registerProcessMetrics(registry);
    try {
      let spin = 0;
      for (let i = 0; i < 2e6; i++) spin += i;
      assert.ok(spin > 0);
      const text = registry.expose();
      const s = samples(text);
      const cpu = s.get('process_cpu_seconds_total')!;
      const user = s.get('process_cpu_user_seconds_total')!;
      const system = s.get('process_cpu_system_seconds_total')!;
      assert.ok(cpu > 0, 'some CPU time was spent');
      assert.ok(Math.abs(cpu - (user + system)) < 1e-9, 'total is user + system of one reading');
      assert.ok(s.get('process_resident_memory_bytes')! > 1024 * 1024);
      assert.ok(s.get('nodejs_heap_size_used_bytes')! <= s.get('nodejs_heap_size_total_bytes')!);
      const start = s.get('process_start_time_seconds')!;
      assert.ok(Math.abs(start - (Date.now() / 1000 - process.uptime())) < 2);
      for (const name of ['', '_p50', '_p99', '_max']) {
        const lag = s.get(`nodejs_eventloop_lag${name}_seconds`);
        assert.ok(lag !== undefined && lag >= 0 && Number.isFinite(lag), `lag${name} present`);
      }
      assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
      assert.match(text, /^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/m);
    } finally {
      metrics.stop();
    }
  });

  it('counts the resources holding the loop open, and times a forced GC by kind', async () => {
    const registry = new Registry();
    const metrics = registerProcessMetrics(registry);
    const timers = Array.from({ length: 3 }, () => setInterval(() => {}, 60_000));
    try {
      const before = samples(registry.expose()).get('nodejs_active_resources_total')!;
      assert.ok(before >= 3, `${before} resources with 3 intervals open`);
      // A collection forced through V8's own flag, in a fresh context that has `gc`.
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      // The observer delivers its entries on a later turn.
      await new Promise(setImmediate);
      await new Promise(setImmediate);
      assert.ok(
        samples(registry.expose()).get('nodejs_gc_duration_seconds_count{kind="major"}')! >= 1,
      );
    } finally {
      for (const timer of timers) clearInterval(timer);
      metrics.stop();
    }
  });

  it('sees a stall longer than its sampling interval in full', async () => {
    const registry = new Registry();
    const metrics = registerProcessMetrics(registry);
    try {
      await new Promise((resolve) => setTimeout(resolve, 250));
      registry.expose(); // closes the window that opened with the monitor
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A handler that holds the loop for 400 ms, on the monotonic clock: Date.now() follows the
      // wall clock, which a loaded virtual machine can step, and then the loop was not held.
      const blockedUntil = process.hrtime.bigint() + 400_000_000n;
      while (process.hrtime.bigint() < blockedUntil) {
        // spin
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      const max = samples(registry.expose()).get('nodejs_eventloop_lag_max_seconds')!;
      assert.ok(max >= 0.3, `a 400 ms stall reads ${max} s`);
    } finally {
      metrics.stop();
    }
  });

  it('keeps CPU counters monotonic across scrapes', () => {
    const registry = new Registry();
    const metrics = registerProcessMetrics(registry);
    try {
      const first = samples(registry.expose()).get('process_cpu_seconds_total')!;
      let spin = 0;
      for (let i = 0; i < 1e6; i++) spin += i;
      assert.ok(spin > 0);
      const second = samples(registry.expose()).get('process_cpu_seconds_total')!;
      assert.ok(second >= first);
    } finally {
      metrics.stop();
    }
  });
});
