/**
 * The fusion.yaml in force, followed while the control plane runs. The file is read at start
 * (an invalid one there is fatal: there is nothing to fall back on); after that every change is
 * validated, and only a valid one replaces what is in force — a refused file is logged once per
 * distinct set of errors, kept as `lastRefusal` for the public API, and the last good config
 * keeps serving.
 *
 * The directory is watched, not the file: editors and `fusion config apply` replace the file by
 * renaming a new one over it, which ends a watch on the old inode. A change is read after a
 * short quiet period (writers may write in several steps), and a 1 s stat poll is the safety
 * net for watchers that miss events, as for the PKI directory (identity/issuer-store.ts).
 */
import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfigFile, loadConfigOrThrow } from '@fusion/config';
import { type FusionConfig, formatDiagnostic, type ServicePolicy } from '@fusion/mesh-types';
import type { Logger } from '@fusion/telemetry';
import {
  type ConfigRefusal,
  type ConfigSnapshot,
  firstSnapshot,
  nextReload,
  type Reload,
} from './snapshot.ts';

export interface ConfigSourceOptions {
  /** The fusion.yaml to read and follow (FUSION_CONFIG). */
  readonly file: string;
  /** Quiet period after a change before reading (default 100 ms). */
  readonly debounceMs?: number;
  /** Stat poll period (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Default true; false leaves only the poll. */
  readonly watch?: boolean;
  readonly now?: () => Date;
}

export type ChangeListener = (snapshot: ConfigSnapshot, previous: ConfigSnapshot) => void;
export type RefusalListener = (refusal: ConfigRefusal) => void;

export interface ReloadCounts {
  readonly applied: number;
  readonly refused: number;
  readonly unchanged: number;
}

export class ConfigSource {
  readonly #options: ConfigSourceOptions;
  readonly #now: () => Date;
  readonly #started: FusionConfig;
  #current: ConfigSnapshot;
  #refusal: ConfigRefusal | undefined;
  /** The errors last logged, so a refusal seen again at every poll or save is logged once. */
  #loggedRefusal: string | undefined;
  #stamp: string;
  #counts = { applied: 0, refused: 0, unchanged: 0 };
  #logger: Logger | undefined;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #changed = new Set<ChangeListener>();
  readonly #refused = new Set<RefusalListener>();

  /** Reads the file; throws ConfigError (`file:line:col: reason` per line) when it is invalid. */
  static open(options: ConfigSourceOptions): ConfigSource {
    // Absolute, so the public API can say which file to replace whatever the reader's directory.
    const file = resolve(options.file);
    const stamp = statStamp(file);
    const { config, warnings } = loadConfigOrThrow(file);
    return new ConfigSource({ ...options, file }, config, warnings, stamp);
  }

  private constructor(
    options: ConfigSourceOptions,
    config: FusionConfig,
    warnings: ConfigSnapshot['warnings'],
    stamp: string,
  ) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#started = config;
    this.#current = firstSnapshot(config, warnings, options.file, this.#now());
    this.#stamp = stamp;
  }

  current(): ConfigSnapshot {
    return this.#current;
  }

  /** The refusal of the file on disk now; undefined once a valid file is read again. */
  lastRefusal(): ConfigRefusal | undefined {
    return this.#refusal;
  }

  counts(): ReloadCounts {
    return { ...this.#counts };
  }

  /** The policy in force for `service`; undefined when fusion.yaml has no such service. */
  policy(service: string): ServicePolicy | undefined {
    return this.#current.policies[service];
  }

  /** Called after each applied change, the new snapshot already in force. Returns unsubscribe. */
  onChange(listener: ChangeListener): () => void {
    this.#changed.add(listener);
    return () => this.#changed.delete(listener);
  }

  /** Called at every read that refuses the file (logging is once per distinct errors). */
  onRefused(listener: RefusalListener): () => void {
    this.#refused.add(listener);
    return () => this.#refused.delete(listener);
  }

  /** Starts following the file, logging each outcome to `logger`. */
  follow(logger: Logger): void {
    if (this.#logger || this.#closed) return;
    this.#logger = logger;
    const { file } = this.#options;
    const dir = dirname(file);
    const name = basename(file);
    try {
      if (this.#options.watch === false) throw new Error('watching disabled');
      this.#watcher = watch(dir, { persistent: false }, (_event, changed) => {
        // Null on platforms that do not say; then any change in the directory may be ours.
        if (changed === null || changed.toString() === name) this.#schedule(true);
      });
      this.#watcher.on('error', (error) => {
        logger.warn({ err: error, dir }, 'watching the config directory failed; polling only');
        this.#watcher?.close();
      });
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot watch the config directory; polling only');
    }
    this.#poll = setInterval(() => {
      if (statStamp(file) !== this.#stamp) this.#schedule(false);
    }, this.#options.pollIntervalMs ?? 1000);
  }

  /** Reads the file now and applies it if it is valid and new; returns what happened. */
  reload(): Reload {
    // Stamp before reading: a write that lands during the read changes the stamp again.
    this.#stamp = statStamp(this.#options.file);
    const outcome = nextReload(
      this.#current,
      this.#started,
      loadConfigFile(this.#options.file),
      this.#now(),
    );
    this.#counts[outcome.kind] += 1;
    if (outcome.kind === 'refused') this.#refuse(outcome.refusal);
    else this.#accept(outcome);
    return outcome;
  }

  /** Stops following the file; a following source keeps the process alive until then. */
  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
  }

  /**
   * Reads after a quiet period. A watch event restarts the wait (more writes are likely to
   * follow); a poll does not, or polls faster than the quiet period would postpone it forever.
   */
  #schedule(restart: boolean): void {
    if (this.#closed || (this.#debounce !== undefined && !restart)) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      if (!this.#closed) this.reload();
    }, this.#options.debounceMs ?? 100);
  }

  #refuse(refusal: ConfigRefusal): void {
    this.#refusal = refusal;
    for (const listener of this.#refused) this.#notify(() => listener(refusal));
    const errors = refusal.errors.map(formatDiagnostic);
    const key = errors.join('\n');
    if (key === this.#loggedRefusal) return;
    this.#loggedRefusal = key;
    const { hash, generation } = this.#current.version;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    this.#logger?.error(
      { file: this.#options.file, errors, keeping: { version: hash, generation } },
      `config refused, keeping generation ${generation}: ${errors[0]}${more}`,
    );
  }

  #accept(outcome: Exclude<Reload, { kind: 'refused' }>): void {
    const recovered = this.#refusal !== undefined;
    this.#refusal = undefined;
    this.#loggedRefusal = undefined;
    if (outcome.kind === 'unchanged') {
      if (recovered) this.#logger?.info(this.#describe(), 'config valid again, unchanged');
      return;
    }
    const previous = this.#current;
    this.#current = outcome.snapshot;
    const before = new Set(previous.warnings.map(formatDiagnostic));
    for (const warning of outcome.snapshot.warnings.map(formatDiagnostic)) {
      if (!before.has(warning)) this.#logger?.warn({ file: this.#options.file }, warning);
    }
    this.#logger?.info(
      {
        ...this.#describe(),
        previous: previous.version.hash,
        policies_changed: outcome.changedPolicies,
        restart_required: outcome.snapshot.restartRequired,
      },
      'config applied',
    );
    for (const listener of this.#changed) {
      this.#notify(() => listener(outcome.snapshot, previous));
    }
  }

  /** One listener failing must neither stop the others nor undo what is already in force. */
  #notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger?.error({ err: error }, 'a config listener failed');
    }
  }

  #describe() {
    const { hash, generation, file } = this.#current.version;
    return { version: hash, generation, file };
  }
}

/** Identity, size and mtime: changes whenever the file is replaced or written. */
function statStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
