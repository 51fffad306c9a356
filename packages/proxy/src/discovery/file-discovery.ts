/**
 * Discovery from a JSON file that the supervisor writes:
 * `{ "<service>": [{ "address": "127.0.0.1:8001", "identity": "…" }] }`. The file is watched
 * and re-read when it changes; a listener hears about each service whose endpoints changed.
 * A bad rewrite is refused and the last good contents stay in force (the rule for every
 * configuration in the mesh), but a bad file at start is an error: a typo in a path must not
 * look like a mesh with no services.
 */
import { EventEmitter } from 'node:events';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '@fusion/telemetry';
import { splitHostPort } from './authority.ts';
import type { Discovery, Endpoint } from './discovery.ts';

export interface FileDiscovery extends Discovery {
  on(event: 'change', listener: (service: string) => void): this;
  off(event: 'change', listener: (service: string) => void): this;
  /** Stops watching the file. */
  close(): void;
}

export interface FileDiscoveryOptions {
  /** Told about refused rewrites. */
  readonly logger?: Logger;
}

type Table = ReadonlyMap<string, readonly Endpoint[]>;

/** Reads `path` now (throwing if it is missing or invalid) and follows its changes. */
export function fileDiscovery(path: string, options: FileDiscoveryOptions = {}): FileDiscovery {
  return new WatchedFile(path, parseDiscoveryFile(readFileSync(path, 'utf8'), path), options);
}

class WatchedFile extends EventEmitter<{ change: [service: string] }> implements FileDiscovery {
  readonly #path: string;
  readonly #logger: Logger | undefined;
  readonly #watcher: FSWatcher;
  #table: Table;
  #reading = false;
  #readAgain = false;

  constructor(path: string, table: Table, options: FileDiscoveryOptions) {
    super();
    this.#path = path;
    this.#table = table;
    this.#logger = options.logger;
    // The directory, not the file: editors and atomic writers replace the file by renaming,
    // and a watch on the old inode would never fire again.
    const name = basename(path);
    this.#watcher = watch(dirname(path), (_event, filename) => {
      if (filename === null || filename === name) this.#reload();
    });
    this.#watcher.unref();
  }

  resolve(service: string): readonly Endpoint[] | undefined {
    return this.#table.get(service);
  }

  services(): string[] {
    return [...this.#table.keys()];
  }

  close(): void {
    this.#watcher.close();
  }

  #reload(): void {
    // One read at a time, and one more after it if the file changed meanwhile: results
    // can then never arrive out of order.
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = true;
    readFile(this.#path, 'utf8')
      .then((text) => this.#apply(parseDiscoveryFile(text, this.#path)))
      .catch((error: Error) => {
        // A half-written file or one removed mid-replace: keep serving what we had.
        this.#logger?.warn(
          { path: this.#path, reason: error.message },
          'discovery file refused; keeping the last good one',
        );
      })
      .finally(() => {
        this.#reading = false;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#reload();
        }
      });
  }

  #apply(next: Table): void {
    const previous = this.#table;
    this.#table = next;
    for (const service of new Set([...previous.keys(), ...next.keys()])) {
      if (!sameEndpoints(previous.get(service), next.get(service))) this.emit('change', service);
    }
  }
}

/** Parses and checks the file's contents; errors name the file and the offending entry. */
export function parseDiscoveryFile(text: string, source = 'discovery file'): Table {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object of service names to endpoint lists`);
  }
  const table = new Map<string, Endpoint[]>();
  for (const [service, list] of Object.entries(raw)) {
    if (!Array.isArray(list)) throw new Error(`${source}: '${service}' is not a list`);
    table.set(
      service,
      list.map((entry: unknown, i) => endpointOf(entry, `${source}: '${service}'[${i}]`)),
    );
  }
  return table;
}

function endpointOf(entry: unknown, where: string): Endpoint {
  const { address, identity } = (entry ?? {}) as { address?: unknown; identity?: unknown };
  if (typeof address !== 'string' || splitHostPort(address).port === undefined) {
    throw new Error(`${where}: address must be "host:port", got ${JSON.stringify(address)}`);
  }
  if (identity !== undefined && identity !== null && typeof identity !== 'string') {
    throw new Error(`${where}: identity must be a string`);
  }
  return { address, identity: identity ?? undefined };
}

function sameEndpoints(a: readonly Endpoint[] | undefined, b: readonly Endpoint[] | undefined) {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.length === b.length &&
    a.every((e, i) => e.address === b[i]?.address && e.identity === b[i]?.identity)
  );
}
