/**
 * The log level, changed at runtime: `fusion log-level <service> debug` writes the level into the
 * file FUSION_LOG_LEVEL_FILE names (under the state directory), and the app follows it, no
 * restart and no HTTP route (the app's port is reachable through its sidecar, so a route would
 * let callers change it). The directory is watched, so the file may appear after the app starts
 * and may be replaced by a rename.
 */
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isLogLevel, LOG_LEVELS, type Logger } from '@fusion/telemetry';

/** Applies the file's level now and whenever it changes; returns what stops following. */
export function followLogLevelFile(logger: Logger, path: string): () => void {
  const apply = () => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      return; // not there (yet): the level stays as it is
    }
    if (text === '' || text === logger.level) return;
    if (!isLogLevel(text)) {
      logger.warn(
        { file: path, requested: text },
        `log level ignored: expected one of ${LOG_LEVELS.join(', ')}`,
      );
      return;
    }
    const from = logger.level;
    logger.level = text;
    logger.info({ from, to: text }, 'log level changed');
  };
  apply();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), (_event, name) => {
      if (name === basename(path)) apply();
    });
    watcher.unref();
  } catch (error) {
    logger.warn(
      { err: error, file: path },
      'cannot watch the log level file; the level stays fixed',
    );
  }
  return () => watcher?.close();
}
