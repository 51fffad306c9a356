/** A value that goes up and down (`# TYPE gauge`), optionally read at scrape time. */
import { formatValue, renderLabels } from './format.ts';
import { Metric, type MetricOptions } from './metric.ts';

export interface GaugeOptions<L extends readonly string[]> extends MetricOptions<L> {
  /**
   * Called at every scrape, before rendering. For values that live elsewhere (memory, pool
   * sizes, queue lengths) this is cheaper than updating the gauge on every change.
   */
  readonly collect?: (gauge: Gauge<L>) => void;
}

/** One series of a gauge. */
export class GaugeChild {
  value = 0;

  /** @param series the rendered `name{labels} ` prefix of this series' line. */
  constructor(readonly series: string) {}

  set(value: number): void {
    this.value = value;
  }

  inc(amount = 1): void {
    this.value += amount;
  }

  dec(amount = 1): void {
    this.value -= amount;
  }

  get(): number {
    return this.value;
  }
}

export class Gauge<const L extends readonly string[] = readonly []> extends Metric<L, GaugeChild> {
  readonly type = 'gauge';

  constructor(options: GaugeOptions<L>) {
    super(options);
    const collect = options.collect;
    this.collectHook = collect && (() => collect(this));
    this.seedUnlabelled();
  }

  /** Sets the unlabelled series. */
  set(value: number): void {
    this.unlabelled().set(value);
  }

  inc(amount = 1): void {
    this.unlabelled().inc(amount);
  }

  dec(amount = 1): void {
    this.unlabelled().dec(amount);
  }

  get(): number {
    return this.unlabelled().get();
  }

  protected newChild(values: readonly string[]): GaugeChild {
    return new GaugeChild(`${this.name}${renderLabels(this.labelNames, values)} `);
  }

  protected renderChild(child: GaugeChild): string {
    return `${child.series}${formatValue(child.value)}\n`;
  }
}
