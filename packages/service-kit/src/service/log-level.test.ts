import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createLogger } from '@fusion/telemetry';
import { followLogLevelFile } from './log-level.ts';

describe('followLogLevelFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-log-level-'));
  // The watcher does not hold the process open (a service's server does): this does, here.
  const keepAlive = setInterval(() => {}, 60_000);
  after(() => {
    clearInterval(keepAlive);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A logger whose lines the test reads; `next` resolves with the next line written. */
  function capturedLogger() {
    const out = new PassThrough();
    const logger = createLogger({ service: 'identity', level: 'info', destination: out });
    const next = async () =>
      JSON.parse(String((await once(out, 'data'))[0])) as { msg: string; level: string };
    return { logger, next };
  }
  const save = (path: string, text: string) => {
    writeFileSync(`${path}.next`, text);
    renameSync(`${path}.next`, path);
  };

  it('applies the level written, and again when it changes, without a restart', async () => {
    const path = join(dir, 'identity');
    const { logger, next } = capturedLogger();
    const stop = followLogLevelFile(logger, path);
    try {
      assert.equal(logger.level, 'info', 'no file yet: the level stays');
      const changed = next();
      save(path, 'debug\n');
      assert.equal((await changed).msg, 'log level changed');
      assert.equal(logger.level, 'debug');
      const back = next();
      save(path, 'info');
      assert.equal((await back).msg, 'log level changed');
      assert.equal(logger.level, 'info');
    } finally {
      stop();
    }
  });

  it('ignores a word that is not a level, saying so', async () => {
    const path = join(dir, 'vision');
    const { logger, next } = capturedLogger();
    const stop = followLogLevelFile(logger, path);
    try {
      const warned = next();
      save(path, 'loud');
      const line = await warned;
      assert.equal(line.level, 'warn');
      assert.match(line.msg, /log level ignored: expected one of trace, debug/);
      assert.equal(logger.level, 'info');
    } finally {
      stop();
    }
  });

  it('starts at the level a file already holds', () => {
    const path = join(dir, 'plugin');
    writeFileSync(path, 'warn');
    const { logger } = capturedLogger();
    followLogLevelFile(logger, path)();
    assert.equal(logger.level, 'warn');
  });
});
