/**
 * Load, two ways, over any transport (a `Send`):
 *
 * - **Open loop at a fixed rate**: request i is due at t0 + i/rate whether or not earlier ones
 *   have answered, and its latency counts from that due time, not from when it actually left.
 *   A stall therefore shows as the stall it is for every request due during it, instead of
 *   hiding behind a generator that politely waited (coordinated omission, which is how a
 *   closed-loop tool turns a 1 s pause into one slow sample among thousands of fast ones).
 * - **Closed loop**: N requests always in flight, each sent as soon as the last answered —
 *   the most the path can carry with that concurrency, and its latency at that load.
 *
 * Only 2xx responses enter the latency histograms; non-2xx answers and transport errors are
 * counted (with reasons), never averaged in. Both loops are bounded: they stop by themselves.
 */
import { LatencyHistogram, type LatencySummary } from './histogram.ts';

/** One request: resolves with the status once the body has been read; rejects on an error. */
export type Send = () => Promise<number>;

export interface LoadResult {
  readonly mode: 'open' | 'closed';
  /** Open loop: the target rate, requests per second. */
  readonly rate?: number;
  /** Closed loop: requests in flight. */
  readonly concurrency?: number;
  readonly elapsedSeconds: number;
  /** Requests sent (open loop: all that fell due). */
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Transport errors, plus requests still unanswered when the drain time ran out. */
  readonly errors: number;
  readonly errorReasons: Readonly<Record<string, number>>;
  /** Open loop: from the due time (coordinated omission corrected); closed loop: from send. */
  readonly latency: LatencyHistogram;
  /** From the moment the request actually left. */
  readonly serviceTime: LatencyHistogram;
}

/** A LoadResult as JSON: counts, rates and percentiles, no histograms. */
export interface LoadSummary {
  readonly mode: 'open' | 'closed';
  readonly rate?: number;
  readonly concurrency?: number;
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly errorReasons: Readonly<Record<string, number>>;
  /** 2xx responses per second. */
  readonly throughput: number;
  readonly latencyMs: LatencySummary;
  readonly serviceTimeMs: LatencySummary;
}

export interface OpenLoopOptions {
  readonly rate: number;
  readonly seconds: number;
  /** How long to wait for stragglers after the last request fell due (default 5 s). */
  readonly drainMs?: number;
  /**
   * After that, how long more to wait (not measured) for what is still in flight, so that an
   * overloaded path's backlog does not spill into the next measurement (default 30 s).
   */
  readonly settleMs?: number;
}

export interface ClosedLoopOptions {
  readonly concurrency: number;
  readonly seconds: number;
}

class Tally {
  sent = 0;
  ok = 0;
  non2xx = 0;
  errors = 0;
  readonly reasons = new Map<string, number>();
  readonly latency = new LatencyHistogram();
  readonly serviceTime = new LatencyHistogram();
  /** Set once the result is taken: late answers must not change a reported figure. */
  closed = false;

  answered(status: number, dueAt: number, sentAt: number): void {
    if (this.closed) return;
    const now = performance.now();
    if (status >= 200 && status < 300) {
      this.ok += 1;
      this.latency.recordMs(now - dueAt);
      this.serviceTime.recordMs(now - sentAt);
    } else {
      this.non2xx += 1;
      this.reason(`HTTP ${status}`);
    }
  }

  failed(error: unknown): void {
    if (this.closed) return;
    this.errors += 1;
    this.reason((error as Error)?.message ?? String(error));
  }

  reason(text: string, count = 1): void {
    this.reasons.set(text, (this.reasons.get(text) ?? 0) + count);
  }
}

export async function openLoop(send: Send, options: OpenLoopOptions): Promise<LoadResult> {
  const { rate, seconds } = options;
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const tally = new Tally();
  let inFlight = 0;
  let allSettled: (() => void) | undefined;
  const fire = (dueAt: number) => {
    const sentAt = performance.now();
    tally.sent += 1;
    inFlight += 1;
    let answer: Promise<number>;
    try {
      answer = send();
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .then(
        (status) => tally.answered(status, dueAt, sentAt),
        (error: unknown) => tally.failed(error),
      )
      .finally(() => {
        inFlight -= 1;
        if (inFlight === 0) allSettled?.();
      });
  };

  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Everything due by now goes out now: a late timer must not thin out the schedule.
      while (next < total && t0 + next * intervalMs <= now) fire(t0 + next++ * intervalMs);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now()));
    };
    tick();
  });
  const drained = new Promise<void>((resolve) => {
    allSettled = resolve;
  });
  if (inFlight > 0) await untilOr(drained, options.drainMs ?? 5_000);
  const elapsedSeconds = (performance.now() - t0) / 1000;
  if (inFlight > 0) {
    tally.errors += inFlight;
    tally.reason('no answer within the drain time', inFlight);
  }
  tally.closed = true;
  const taken = result(tally, { mode: 'open', rate, elapsedSeconds });
  if (inFlight > 0) await untilOr(drained, options.settleMs ?? 30_000);
  return taken;
}

/** `promise`, or `ms` elapsing, whichever comes first. */
async function untilOr(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export async function closedLoop(send: Send, options: ClosedLoopOptions): Promise<LoadResult> {
  const tally = new Tally();
  const t0 = performance.now();
  const deadline = t0 + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      tally.sent += 1;
      try {
        tally.answered(await send(), sentAt, sentAt);
      } catch (error) {
        tally.failed(error);
        // A path that refuses at once must not spin the CPU the other processes need.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedSeconds = (performance.now() - t0) / 1000;
  tally.closed = true;
  return result(tally, { mode: 'closed', concurrency: options.concurrency, elapsedSeconds });
}

function result(
  tally: Tally,
  shape: Pick<LoadResult, 'mode' | 'rate' | 'concurrency' | 'elapsedSeconds'>,
): LoadResult {
  return {
    ...shape,
    sent: tally.sent,
    ok: tally.ok,
    non2xx: tally.non2xx,
    errors: tally.errors,
    errorReasons: Object.fromEntries(tally.reasons),
    latency: tally.latency,
    serviceTime: tally.serviceTime,
  };
}

/** Several runs of the same measurement (rounds) as one. */
export function mergeLoads(results: readonly LoadResult[]): LoadResult {
  const [first, ...rest] = results;
  if (!first) throw new Error('mergeLoads: no results');
  const reasons = new Map<string, number>();
  for (const r of results) {
    for (const [k, v] of Object.entries(r.errorReasons)) reasons.set(k, (reasons.get(k) ?? 0) + v);
  }
  const latency = new LatencyHistogram().add(first.latency);
  const serviceTime = new LatencyHistogram().add(first.serviceTime);
  for (const r of rest) {
    latency.add(r.latency);
    serviceTime.add(r.serviceTime);
  }
  const sum = (pick: (r: LoadResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  return {
    mode: first.mode,
    ...(first.rate !== undefined ? { rate: first.rate } : {}),
    ...(first.concurrency !== undefined ? { concurrency: first.concurrency } : {}),
    elapsedSeconds: sum((r) => r.elapsedSeconds),
    sent: sum((r) => r.sent),
    ok: sum((r) => r.ok),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    errorReasons: Object.fromEntries(reasons),
    latency,
    serviceTime,
  };
}

export function summarizeLoad(result: LoadResult): LoadSummary {
  return {
    mode: result.mode,
    ...(result.rate !== undefined ? { rate: result.rate } : {}),
    ...(result.concurrency !== undefined ? { concurrency: result.concurrency } : {}),
    elapsedSeconds: result.elapsedSeconds,
    sent: result.sent,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    errorReasons: result.errorReasons,
    throughput: result.elapsedSeconds > 0 ? result.ok / result.elapsedSeconds : 0,
    latencyMs: result.latency.summary(),
    serviceTimeMs: result.serviceTime.summary(),
  };
}

/** A LoadResult as plain data, histograms encoded: for IPC between benchmark processes. */
export type EncodedLoad = Omit<LoadResult, 'latency' | 'serviceTime'> & {
  readonly latency: string;
  readonly serviceTime: string;
};

export function encodeLoad(result: LoadResult): EncodedLoad {
  return { ...result, latency: result.latency.encode(), serviceTime: result.serviceTime.encode() };
}

export function decodeLoad(encoded: EncodedLoad): LoadResult {
  return {
    ...encoded,
    latency: LatencyHistogram.decode(encoded.latency),
    serviceTime: LatencyHistogram.decode(encoded.serviceTime),
  };
}
