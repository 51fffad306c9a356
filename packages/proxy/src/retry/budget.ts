/**
 * Linkerd's retry budget (tower's TpsBudget): retries may add at most `retryRatio` of the real
 * traffic over the last `ttlMs`, plus `minRetriesPerSecond` always. A failing service is then
 * never hit by more than (1 + retryRatio) times its callers' own load, however many layers of
 * retries sit above it: the budget is what stops a retry storm.
 *
 * Counts are kept in ten slots that each cover a tenth of the window, so memory is constant and
 * old traffic falls out of the window a slot at a time.
 */

export interface RetryBudgetOptions {
  readonly retryRatio: number;
  readonly minRetriesPerSecond: number;
  readonly ttlMs: number;
  /** Milliseconds; performance.now by default. */
  readonly now?: () => number;
}

const SLOTS = 10;

export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  readonly #now: () => number;
  readonly #slotMs: number;
  readonly #requests = new Float64Array(SLOTS);
  readonly #retries = new Float64Array(SLOTS);
  /** The slot `#current` covers [#slotStart, #slotStart + #slotMs). */
  #current = 0;
  #slotStart: number;

  constructor(options: RetryBudgetOptions) {
    this.#options = options;
    this.#now = options.now ?? performance.now.bind(performance);
    this.#slotMs = options.ttlMs / SLOTS;
    this.#slotStart = this.#now();
  }

  /** An original request (not a retry) was sent: it earns `retryRatio` of a retry. */
  deposit(): void {
    this.#advance();
    (this.#requests[this.#current] as number) += 1;
  }

  /** Takes one retry from the budget; false when none is left (the retry must not happen). */
  withdraw(): boolean {
    this.#advance();
    if (this.available() < 1) return false;
    (this.#retries[this.#current] as number) += 1;
    return true;
  }

  /** Retries the budget allows now. */
  available(): number {
    this.#advance();
    const { retryRatio, minRetriesPerSecond, ttlMs } = this.#options;
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < SLOTS; i++) {
      requests += this.#requests[i] as number;
      retries += this.#retries[i] as number;
    }
    return minRetriesPerSecond * (ttlMs / 1000) + retryRatio * requests - retries;
  }

  #advance(): void {
    const now = this.#now();
    const elapsed = Math.floor((now - this.#slotStart) / this.#slotMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, SLOTS); i++) {
      this.#current = (this.#current + 1) % SLOTS;
      this.#requests[this.#current] = 0;
      this.#retries[this.#current] = 0;
    }
    this.#slotStart += elapsed * this.#slotMs;
  }
}
