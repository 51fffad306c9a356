/**
 * A message's header fields as one flat list, `[name, value, name, value, …]`, in the order they
 * arrived — the shape the HTTP/1.1 parser produces, so a request crosses a proxy without its
 * fields being rebuilt into an object at each hop. Names are lower case; a repeated field is
 * repeated in the list (RFC 9110 §5.3), so nothing is joined or lost.
 *
 * The list belongs to the message: a layer may change the fields of the request it was handed
 * before passing it on. One that sends a request more than once (a retry) gives each try its
 * own `clone()`. Lookups are linear, which for the dozen fields of a typical message is cheaper
 * than hashing them into an object.
 */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | undefined>>;

export class HeaderList {
  private readonly fields: string[];

  /** Takes `fields` as its own; names must be lower case. */
  constructor(fields: string[] = []) {
    this.fields = fields;
  }

  /** From an object (node's headers, a literal): names lower-cased, arrays as repeated fields. */
  static from(record: HeaderRecord): HeaderList {
    const fields: string[] = [];
    for (const key in record) {
      const value = record[key];
      if (value === undefined) continue;
      const name = key.toLowerCase();
      if (typeof value === 'string') fields.push(name, value);
      else for (const each of value) fields.push(name, each);
    }
    return new HeaderList(fields);
  }

  /** How many fields (a repeated one counts each time). */
  get size(): number {
    return this.fields.length >> 1;
  }

  /** The name of field `index` (0 ≤ index < size). */
  nameAt(index: number): string {
    return this.fields[index * 2] as string;
  }

  valueAt(index: number): string {
    return this.fields[index * 2 + 1] as string;
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const fields = this.fields;
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
    return undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const values: string[] = [];
    const fields = this.fields;
    for (let i = 0; i < fields.length; i += 2)
      if (fields[i] === name) values.push(fields[i + 1] as string);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** `name` with this one value: replaces the first occurrence, drops the others, or appends. */
  set(name: string, value: string): this {
    const fields = this.fields;
    let found = false;
    for (let i = 0; i < fields.length; ) {
      if (fields[i] !== name) i += 2;
      else if (found) fields.splice(i, 2);
      else {
        fields[i + 1] = value;
        found = true;
        i += 2;
      }
    }
    if (!found) fields.push(name, value);
    return this;
  }

  /** One more field, after the others (a repeated `set-cookie`, say). */
  append(name: string, value: string): this {
    this.fields.push(name, value);
    return this;
  }

  /** Removes every field called `name`; whether there was one. */
  delete(name: string): boolean {
    const fields = this.fields;
    let removed = false;
    for (let i = 0; i < fields.length; ) {
      if (fields[i] === name) {
        fields.splice(i, 2);
        removed = true;
      } else i += 2;
    }
    return removed;
  }

  clone(): HeaderList {
    return new HeaderList(this.fields.slice());
  }

  /**
   * As an object for the node:http and node:http2 APIs, which take nothing else: a repeated
   * field becomes an array of its values.
   */
  toRecord(): Record<string, string | string[]> {
    // No prototype: `__proto__` is a valid field name (a token), and must stay a field.
    const record: Record<string, string | string[]> = Object.create(null);
    const fields = this.fields;
    for (let i = 0; i < fields.length; i += 2) {
      const name = fields[i] as string;
      const value = fields[i + 1] as string;
      const previous = record[name];
      if (previous === undefined) record[name] = value;
      else if (typeof previous === 'string') record[name] = [previous, value];
      else previous.push(value);
    }
    return record;
  }
}
