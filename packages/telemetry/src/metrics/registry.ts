/** A set of metric families rendered together as one scrape. */
import { Counter, type CounterOptions } from './counter.ts';
import { Gauge, type GaugeOptions } from './gauge.ts';
import { Histogram, type HistogramOptions } from './histogram.ts';
import type { Collectable } from './metric.ts';

export class Registry {
  readonly #families = new Map<string, Collectable>();

  counter<const L extends readonly string[] = readonly []>(options: CounterOptions<L>): Counter<L> {
    return this.register(new Counter(options));
  }

  gauge<const L extends readonly string[] = readonly []>(options: GaugeOptions<L>): Gauge<L> {
    return this.register(new Gauge(options));
  }

  histogram<const L extends readonly string[] = readonly []>(
    options: HistogramOptions<L>,
  ): Histogram<L> {
    return this.register(new Histogram(options));
  }

  /** Adds a family built elsewhere; names are unique within a registry. */
  register<C extends Collectable>(family: C): C {
    if (this.#families.has(family.name)) {
      throw new Error(`metric ${family.name} is already registered`);
    }
    this.#families.set(family.name, family);
    return family;
  }

  get(name: string): Collectable | undefined {
    return this.#families.get(name);
  }

  /** The whole scrape in text format 0.0.4, families in registration order. */
  expose(): string {
    let out = '';
    for (const family of this.#families.values()) out += family.render();
    return out;
  }
}
