/** A monotonically increasing count (`# TYPE counter`). */
import { formatValue, renderLabels } from './format.ts';
import { Metric, type MetricOptions } from './metric.ts';

export interface CounterOptions<L extends readonly string[]> extends MetricOptions<L> {
  /** Called at every scrape, before rendering: the place to catch up from an external source. */
  readonly collect?: (counter: Counter<L>) => void;
}

/** One series of a counter. */
export class CounterChild {
  value = 0;

  /** @param series the rendered `name{labels} ` prefix of this series' line. */
  constructor(readonly series: string) {}

  inc(amount = 1): void {
    // `!(x >= 0)` also rejects NaN, which would otherwise poison the series for good.
    if (!(amount >= 0)) throw new RangeError(`counter increment must be >= 0, got ${amount}`);
    this.value += amount;
  }

  get(): number {
    return this.value;
  }
}

export class Counter<const L extends readonly string[] = readonly []> extends Metric<
  L,
  CounterChild
> {
  readonly type = 'counter';

  constructor(options: CounterOptions<L>) {
    super(options);
    const collect = options.collect;
    this.collectHook = collect && (() => collect(this));
    this.seedUnlabelled();
  }

  /** Increments the unlabelled series. */
  inc(amount = 1): void {
    this.unlabelled().inc(amount);
  }

  /** Value of the unlabelled series. */
  get(): number {
    return this.unlabelled().get();
  }

  protected newChild(values: readonly string[]): CounterChild {
    return new CounterChild(`${this.name}${renderLabels(this.labelNames, values)} `);
  }

  protected renderChild(child: CounterChild): string {
    return `${child.series}${formatValue(child.value)}\n`;
  }
}
