/**
 * Cumulative histograms (`# TYPE histogram`). Counts are kept per bucket in a Float64Array and
 * summed into the cumulative `le` series only at scrape time, so an observation is a short scan
 * and three additions.
 */
import { formatValue, renderLabels } from './format.ts';
import { Metric, type MetricOptions } from './metric.ts';

/** Prometheus' client defaults, in seconds: suited to request latencies from 5 ms to 10 s. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface HistogramOptions<L extends readonly string[]> extends MetricOptions<L> {
  /** Finite upper bounds in increasing order; `+Inf` is always added. */
  readonly buckets?: readonly number[];
}

/** One series of a histogram. */
export class HistogramChild {
  /** Observations per bucket, not cumulative; the last slot is the `+Inf` bucket. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: Float64Array,
    /** Rendered `name_bucket{labels,le="…"} ` prefixes, one per slot of `counts`. */
    readonly bucketSeries: readonly string[],
    readonly sumSeries: string,
    readonly countSeries: string,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    // A NaN would turn `_sum` into NaN for the life of the process.
    if (Number.isNaN(value)) return;
    const bounds = this.bounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]!) i++;
    this.counts[i]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

export class Histogram<const L extends readonly string[] = readonly []> extends Metric<
  L,
  HistogramChild
> {
  readonly type = 'histogram';
  readonly buckets: Float64Array;
  readonly #leValues: readonly string[];

  constructor(options: HistogramOptions<L>) {
    super(options, ['le']);
    this.buckets = Float64Array.from(
      checkBuckets(options.name, options.buckets ?? DEFAULT_BUCKETS),
    );
    this.#leValues = [...Array.from(this.buckets, formatValue), '+Inf'];
    this.seedUnlabelled();
  }

  /** Records one observation in the unlabelled series. */
  observe(value: number): void {
    this.unlabelled().observe(value);
  }

  protected newChild(values: readonly string[]): HistogramChild {
    const withLe = [...this.labelNames, 'le'];
    const bucketSeries = this.#leValues.map(
      (le) => `${this.name}_bucket${renderLabels(withLe, [...values, le])} `,
    );
    const labels = renderLabels(this.labelNames, values);
    return new HistogramChild(
      this.buckets,
      bucketSeries,
      `${this.name}_sum${labels} `,
      `${this.name}_count${labels} `,
    );
  }

  protected renderChild(child: HistogramChild): string {
    let out = '';
    let cumulative = 0;
    for (let i = 0; i < child.counts.length; i++) {
      cumulative += child.counts[i]!;
      out += `${child.bucketSeries[i]}${formatValue(cumulative)}\n`;
    }
    out += `${child.sumSeries}${formatValue(child.sum)}\n`;
    out += `${child.countSeries}${formatValue(child.count)}\n`;
    return out;
  }
}

function checkBuckets(metric: string, buckets: readonly number[]): number[] {
  const finite = buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
  for (let i = 0; i < finite.length; i++) {
    const b = finite[i]!;
    if (!Number.isFinite(b) || (i > 0 && b <= finite[i - 1]!)) {
      throw new TypeError(`metric ${metric}: buckets must be finite and strictly increasing`);
    }
  }
  return finite;
}
