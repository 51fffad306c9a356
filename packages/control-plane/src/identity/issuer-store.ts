/**
 * Keeps the issuer in memory and follows the PKI directory without a restart. fs.watch is the
 * fast path; a 1 s stat poll is the safety net, because watchers miss events (atomic renames
 * on some filesystems, editors, bind mounts). Writers replace files one at a time, so a change
 * is read after a short quiet period, and a pair that does not validate is never swapped in:
 * the old issuer keeps signing until the directory is consistent again (Linkerd's
 * IssuerUpdated / IssuerValidationFailed events, as log lines).
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PkiProblem } from '@fusion/pki';
import type { Logger } from '@fusion/telemetry';
import { type CurrentIssuer, loadIssuer, PKI_FILES } from './issuer.ts';

export interface IssuerStoreOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** Stat poll period (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /** Quiet period after a change before reading (default 100 ms). */
  readonly debounceMs?: number;
  /** Default true; false leaves only the poll (tests prove the safety net alone suffices). */
  readonly watch?: boolean;
  readonly now?: () => Date;
}

/** The directory did not hold a valid issuer at start. */
export class IssuerLoadError extends Error {
  override readonly name = 'IssuerLoadError';
  constructor(
    readonly dir: string,
    readonly problems: readonly PkiProblem[],
  ) {
    super(`no valid issuer in ${dir}: ${problems.map((p) => p.message).join('; ')}`);
  }
}

type Listener<T> = (value: T) => void;

export class IssuerStore {
  readonly #options: IssuerStoreOptions;
  #current: CurrentIssuer;
  #failure: string | undefined;
  #stamp = '';
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #attempt: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #updated = new Set<Listener<CurrentIssuer>>();
  readonly #rejected = new Set<Listener<readonly PkiProblem[]>>();

  /** Loads the issuer (throwing IssuerLoadError when there is none) and starts following. */
  static async open(options: IssuerStoreOptions): Promise<IssuerStore> {
    const stamp = await statStamp(options.dir);
    const loaded = await loadIssuer(options.dir, options.now?.());
    if (!loaded.ok) throw new IssuerLoadError(options.dir, loaded.problems);
    const store = new IssuerStore(options, loaded.issuer, stamp);
    logWarnings(options.logger, loaded.warnings);
    options.logger.info(describe(loaded.issuer), 'issuer loaded');
    store.#follow();
    return store;
  }

  private constructor(options: IssuerStoreOptions, issuer: CurrentIssuer, stamp: string) {
    this.#options = options;
    this.#current = issuer;
    this.#stamp = stamp;
  }

  current(): CurrentIssuer {
    return this.#current;
  }

  /** Called after each swap, with the new issuer. Returns the unsubscribe function. */
  onUpdated(listener: Listener<CurrentIssuer>): () => void {
    this.#updated.add(listener);
    return () => this.#updated.delete(listener);
  }

  /** Called when a new set of files fails validation (once per distinct files and reasons). */
  onRejected(listener: Listener<readonly PkiProblem[]>): () => void {
    this.#rejected.add(listener);
    return () => this.#rejected.delete(listener);
  }

  /** Reads the directory now (after the quiet period); resolves when that read is done. */
  async reload(): Promise<void> {
    if (this.#attempt) {
      // A read already running may have started before the change: run once more after it.
      this.#again = true;
      return this.#attempt;
    }
    this.#attempt = (async () => {
      do {
        this.#again = false;
        await this.#check();
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#attempt = undefined;
    });
    return this.#attempt;
  }

  /** Stops following the directory; an open store keeps the process alive until then. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    await this.#attempt;
  }

  #follow(): void {
    const { dir, logger } = this.#options;
    try {
      if (this.#options.watch === false) throw new Error('watching disabled');
      this.#watcher = watch(dir, { persistent: false }, () => this.#schedule(true));
      this.#watcher.on('error', (error) => {
        logger.warn({ err: error, dir }, 'watching the PKI directory failed; polling only');
        this.#watcher?.close();
      });
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot watch the PKI directory; polling only');
    }
    this.#poll = setInterval(() => {
      void statStamp(dir).then((stamp) => {
        // While the files on disk are refused, keep retrying: time alone can fix some problems
        // (an issuer not valid yet), and the next write may have gone unnoticed.
        if (stamp !== this.#stamp || this.#failure !== undefined) this.#schedule(false);
      });
    }, this.#options.pollIntervalMs ?? 1000);
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
      void this.reload();
    }, this.#options.debounceMs ?? 100);
  }

  async #check(): Promise<void> {
    const { dir, logger } = this.#options;
    // Stamp before reading: a write that lands during the read changes the stamp again.
    this.#stamp = await statStamp(dir);
    const loaded = await loadIssuer(dir, this.#options.now?.());
    if (this.#closed) return;
    if (!loaded.ok) {
      const reasons = loaded.problems.map((p) => p.message);
      // Log each distinct refused set of files once, not at every poll while it stays refused.
      const summary = `${loaded.digest}\n${reasons.join('\n')}`;
      if (summary === this.#failure) return;
      this.#failure = summary;
      logger.warn(
        {
          reasons,
          codes: loaded.problems.map((p) => p.code),
          dir,
          keeping: describe(this.#current),
        },
        'IssuerValidationFailed',
      );
      for (const listener of this.#rejected) listener(loaded.problems);
      return;
    }
    this.#failure = undefined;
    if (loaded.issuer.digest === this.#current.digest) return;
    this.#current = loaded.issuer;
    logWarnings(logger, loaded.warnings);
    logger.info(describe(loaded.issuer), 'IssuerUpdated');
    for (const listener of this.#updated) listener(loaded.issuer);
  }
}

function describe(issuer: CurrentIssuer) {
  return { subject: issuer.subject, serial: issuer.serial, not_after: issuer.notAfter };
}

function logWarnings(logger: Logger, warnings: readonly PkiProblem[]): void {
  for (const warning of warnings) {
    logger.warn({ code: warning.code, reason: warning.message }, 'IssuerValidationWarning');
  }
}

/** Identity, size and mtime of the three files: changes whenever one is replaced or edited. */
async function statStamp(dir: string): Promise<string> {
  const names = [PKI_FILES.anchors, PKI_FILES.issuerCert, PKI_FILES.issuerKey];
  const parts = await Promise.all(
    names.map((name) =>
      stat(join(dir, name)).then(
        (s) => `${s.ino}:${s.size}:${s.mtimeMs}`,
        () => 'missing',
      ),
    ),
  );
  return parts.join('|');
}
