/** A set of metric families rendered together as one scrape. */
import { Counter, type CounterOptions } from './counter.ts';
import { Gauge, type GaugeOptions } from './gauge.ts';
import { Histogram, type HistogramOptions } from './histogram.ts';
import type { Collectable } from './metric.ts';

/** About 0.2 ms of flattening and UTF-8 encoding on a laptop core; big enough to keep writes few. */
const DEFAULT_CHUNK_CHARS = 64 * 1024;

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

  /**
   * The same scrape as `expose()`, cut between series into chunks of about `chunkChars`
   * characters. Every value is read now, in one pass, so the scrape is one consistent snapshot;
   * but with tens of thousands of series most of a scrape's cost is flattening and encoding the
   * text, which a server pays chunk by chunk as it writes them — one per event-loop turn, so no
   * turn is held for longer than a chunk takes, however many series there are.
   */
  exposeChunks(chunkChars = DEFAULT_CHUNK_CHARS): string[] {
    const chunks: string[] = [];
    let current = '';
    const emit = (text: string) => {
      current += text;
      if (current.length >= chunkChars) {
        chunks.push(current);
        current = '';
      }
    };
    for (const family of this.#families.values()) {
      if (family.renderTo) family.renderTo(emit);
      else emit(family.render());
    }
    if (current !== '') chunks.push(current);
    return chunks;
  }
}
