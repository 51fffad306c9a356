/**
 * What counters, gauges and histograms share: fixed label names and one child per distinct tuple
 * of label values, found through a tree of maps so that a lookup builds no key string.
 */
import { assertLabelNames, assertMetricName, renderHeader } from './format.ts';

/** Label values in the order of the metric's label names. */
export type LabelValues<L extends readonly string[]> = { -readonly [K in keyof L]: string };

/** Anything the registry can render: a metric family, or a hand-written collector. */
export interface Collectable {
  readonly name: string;
  /** The family's exposition text, header included, each line ending in `\n`. */
  render(): string;
  /**
   * The same text handed over in pieces (the header, then one per series), so that a large
   * scrape can be cut into chunks between series without first building one huge string.
   */
  renderTo?(emit: (text: string) => void): void;
}

export interface MetricOptions<L extends readonly string[]> {
  readonly name: string;
  readonly help: string;
  /** Fixed at creation; every observation names a value for each, in this order. */
  readonly labelNames?: L;
}

type Node<Child> = Map<string, Node<Child> | Child>;

export abstract class Metric<L extends readonly string[], Child> implements Collectable {
  readonly name: string;
  readonly help: string;
  readonly labelNames: L;
  abstract readonly type: 'counter' | 'gauge' | 'histogram';

  /** Set by subclasses that take a `collect` option; runs at the start of every render. */
  protected collectHook: (() => void) | undefined;

  readonly #tree: Node<Child> = new Map();
  readonly #children = new Set<Child>();
  #unlabelled: Child | undefined;

  constructor(options: MetricOptions<L>, reservedLabels: readonly string[] = []) {
    assertMetricName(options.name);
    const labelNames = options.labelNames ?? ([] as readonly string[] as L);
    assertLabelNames(options.name, labelNames);
    for (const reserved of reservedLabels) {
      if (labelNames.includes(reserved)) {
        throw new TypeError(`metric ${options.name}: label name "${reserved}" is reserved`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = labelNames;
  }

  /**
   * The child for one tuple of label values, created on first use and cached after that.
   * Hot paths should keep the child when the values are known in advance.
   */
  labels(...values: LabelValues<L>): Child {
    const n = this.labelNames.length;
    if (values.length !== n) {
      throw new TypeError(
        `metric ${this.name}: expected ${n} label values (${this.labelNames.join(', ')}), got ${values.length}`,
      );
    }
    if (n === 0) return this.#unlabelled ?? this.#create(values);
    let node = this.#tree;
    for (let i = 0; i < n - 1; i++) {
      const key = values[i]!;
      let next = node.get(key) as Node<Child> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    const last = values[n - 1]!;
    let child = node.get(last) as Child | undefined;
    if (child === undefined) {
      child = this.#create(values);
      node.set(last, child);
    }
    return child;
  }

  /** Forgets one series (e.g. an endpoint that went away). Returns whether it existed. */
  remove(...values: LabelValues<L>): boolean {
    if (values.length !== this.labelNames.length || values.length === 0) return false;
    let node: Node<Child> | undefined = this.#tree;
    for (let i = 0; i < values.length - 1 && node; i++) {
      node = node.get(values[i]!) as Node<Child> | undefined;
    }
    const last = values[values.length - 1]!;
    const child = node?.get(last) as Child | undefined;
    if (child === undefined) return false;
    node!.delete(last);
    this.#children.delete(child);
    return true;
  }

  /** Drops every series; an unlabelled metric starts again from zero. */
  reset(): void {
    this.#tree.clear();
    this.#children.clear();
    this.#unlabelled = undefined;
    this.seedUnlabelled();
  }

  /** How many series this family currently exposes. */
  get seriesCount(): number {
    return this.#children.size;
  }

  render(): string {
    let out = '';
    this.renderTo((text) => {
      out += text;
    });
    return out;
  }

  renderTo(emit: (text: string) => void): void {
    this.collectHook?.();
    emit(renderHeader(this.name, this.help, this.type));
    for (const child of this.#children) emit(this.renderChild(child));
  }

  /** The only child of a metric without labels; an error on a labelled one. */
  protected unlabelled(): Child {
    if (this.#unlabelled !== undefined) return this.#unlabelled;
    throw new TypeError(
      `metric ${this.name} has labels (${this.labelNames.join(', ')}): use labels()`,
    );
  }

  /**
   * Unlabelled families expose `name 0` before the first observation, as other clients do.
   * Subclasses call this at the end of their constructor, once their own fields exist.
   */
  protected seedUnlabelled(): void {
    if (this.labelNames.length === 0) this.#create([]);
  }

  protected abstract newChild(values: readonly string[]): Child;
  protected abstract renderChild(child: Child): string;

  #create(values: readonly string[]): Child {
    const child = this.newChild(values);
    this.#children.add(child);
    if (values.length === 0) this.#unlabelled = child;
    return child;
  }
}
