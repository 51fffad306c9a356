/**
 * Latency histograms: HdrHistogram (hdr-histogram-js) in microseconds, 3 significant digits,
 * so a percentile is exact to 0.1 % however many samples a run takes and however long its tail
 * — what an array of samples cannot promise at 10⁵–10⁶ requests per run.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

/** Percentiles in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** One minute, in µs: anything slower is recorded as one minute. */
const HIGHEST_US = 60_000_000;

export class LatencyHistogram {
  readonly #histogram: Histogram;

  constructor(histogram?: Histogram) {
    this.#histogram =
      histogram ??
      build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: HIGHEST_US,
        numberOfSignificantValueDigits: 3,
        autoResize: false,
      });
  }

  /** From `encode()`'s text: how a histogram crosses a process boundary (IPC, JSON). */
  static decode(text: string): LatencyHistogram {
    return new LatencyHistogram(decodeFromCompressedBase64(text));
  }

  encode(): string {
    return encodeIntoCompressedBase64(this.#histogram);
  }

  recordMs(ms: number): void {
    this.#histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  /** Adds another histogram's samples to this one (rounds of the same measurement). */
  add(other: LatencyHistogram): this {
    this.#histogram.add(other.#histogram);
    return this;
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    const ms = (us: number) => us / 1000;
    if (h.totalCount === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      count: h.totalCount,
      mean: ms(h.mean),
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
    };
  }
}
