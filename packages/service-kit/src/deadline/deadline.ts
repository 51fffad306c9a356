/**
 * End-to-end deadlines. The first sidecar that applies a timeout sends what is left of it with
 * the request, as a relative number of milliseconds (so clocks need not agree), and each hop
 * rewrites it to what is left when it forwards. The kit turns the header into a deadline on
 * `performance.now()`'s clock, held in an AsyncLocalStorage for the handler and everything it
 * calls, so the mesh client can pass the remainder on without the handler threading it through.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Milliseconds left of the caller's budget, a non-negative integer, rewritten at every hop. */
export const DEADLINE_HEADER = 'fusion-timeout-ms';

/**
 * The longest budget honoured: a timer cannot wait longer (~24.8 days), and Node fires a longer
 * one after 1 ms instead, so a larger value is cut to this rather than passed to a timer.
 */
export const MAX_DEADLINE_MS = 2 ** 31 - 1;

/** When the work in progress must be finished by. */
export interface RequestDeadline {
  /** The deadline on `performance.now()`'s clock. */
  readonly at: number;
  /** Milliseconds left, never below 0 (0 once the deadline has passed). */
  remainingMs(): number;
  /**
   * Aborts, with a `TimeoutError`, when the deadline passes (already aborted if it has). Made on
   * first use, on an unref'd timer: a deadline never keeps the process alive.
   */
  readonly signal: AbortSignal;
}

class Deadline implements RequestDeadline {
  #signal: AbortSignal | undefined;

  constructor(readonly at: number) {}

  remainingMs(): number {
    // Node's timers run on libuv's millisecond clock and can fire up to a millisecond before
    // `at` on performance.now()'s: once the signal has fired, the deadline has passed.
    if (this.#signal?.aborted) return 0;
    return Math.max(0, this.at - performance.now());
  }

  get signal(): AbortSignal {
    // Lazily: most handlers never look, and a timer per request is the only real cost here.
    this.#signal ??= timeoutSignal(this.remainingMs());
    return this.#signal;
  }
}

function timeoutSignal(ms: number): AbortSignal {
  // AbortSignal.timeout(0) would still fire only on a later tick; a passed deadline is passed now.
  if (ms <= 0) {
    return AbortSignal.abort(new DOMException('The deadline has passed', 'TimeoutError'));
  }
  return AbortSignal.timeout(Math.ceil(ms));
}

const storage = new AsyncLocalStorage<RequestDeadline>();

/**
 * The deadline of the request being handled, or undefined when it came without one (or outside
 * any request). Valid inside a route handler and everything it calls or awaits; use
 * `remainingMs()` to size work and `signal` to abandon it. `ctx.mesh.fetch` honours it by itself.
 */
export function currentDeadline(): RequestDeadline | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` with a deadline `budgetMs` from now, or the current one if that is earlier: a
 * budget can only shrink. For work that starts outside a request (a job, a test).
 */
export function runWithDeadline<T>(budgetMs: number, fn: () => T): T {
  const at = performance.now() + Math.min(Math.max(0, budgetMs), MAX_DEADLINE_MS);
  const current = storage.getStore();
  return storage.run(current !== undefined && current.at <= at ? current : new Deadline(at), fn);
}

/** Runs `fn` with the deadline a request carried, `arrivedAt` (performance.now()) + `budgetMs`. */
export function runWithRequestDeadline<T>(arrivedAt: number, budgetMs: number, fn: () => T): T {
  return storage.run(new Deadline(arrivedAt + budgetMs), fn);
}

/**
 * The budget in a `fusion-timeout-ms` value, or undefined unless it is a non-negative integer
 * in decimal digits. Budgets past what a timer can hold are cut to `MAX_DEADLINE_MS`.
 */
export function parseDeadlineHeader(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), MAX_DEADLINE_MS);
}
