/** The config source on a real temp file: replaced by rename, written in place, broken, fixed. */
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ConfigError } from '@fusion/config';
import { captureLogger } from '../identity/testing.ts';
import type { ConfigRefusal, ConfigSnapshot } from './snapshot.ts';
import { ConfigSource } from './source.ts';

const BASE = `version: 1
services:
  gateway: { port: 18000, command: x, external: true }
  orders: { port: 18001, command: x }
`;
const withBreaker = (maxRequests: number) => `${BASE}circuitBreakers:
  - name: orders-breaker
    selector: { matchLabels: { app: gateway } }
    destination: { selector: { matchLabels: { app: orders } } }
    policy: { maxRequests: ${maxRequests} }
`;
const BROKEN = BASE.replace('port: 18001', 'port: eighty');

let dir: string;
let file: string;
let sources: ConfigSource[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fusion-config-source-'));
  file = join(dir, 'fusion.yaml');
  writeFileSync(file, BASE);
  sources = [];
});
afterEach(() => {
  for (const source of sources) source.close();
  rmSync(dir, { recursive: true, force: true });
});

/** As editors and `fusion config apply` do: a new file renamed over the old one. */
function replace(text: string): void {
  const temp = join(dir, `.fusion.yaml.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(temp, text);
  renameSync(temp, file);
}

function follow(options: { watch?: boolean } = {}) {
  const source = ConfigSource.open({ file, debounceMs: 20, pollIntervalMs: 50, ...options });
  sources.push(source);
  const { logger, lines } = captureLogger();
  const changes: ConfigSnapshot[] = [];
  const refusals: ConfigRefusal[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  source.onChange((snapshot) => {
    changes.push(snapshot);
    wake();
  });
  source.onRefused((refusal) => {
    refusals.push(refusal);
    wake();
  });
  source.follow(logger);
  /** Resolves once `check` holds, re-checked after every change or refusal. */
  const until = (check: () => boolean) =>
    new Promise<void>((resolve) => {
      const test = () => (check() ? resolve() : waiters.push(test));
      test();
    });
  return { source, lines, changes, refusals, until };
}

describe('ConfigSource', () => {
  it('refuses to open an invalid file, with file:line:col for every error', () => {
    writeFileSync(file, BROKEN);
    assert.throws(
      () => ConfigSource.open({ file }),
      (error: unknown) =>
        error instanceof ConfigError && /fusion\.yaml:4:\d+: .*port/.test(error.message),
    );
  });

  it('applies a file renamed over the watched one as the next generation, and tells listeners', async () => {
    const { source, changes, lines, until } = follow();
    const before = source.current();
    replace(withBreaker(10));
    await until(() => changes.length === 1);
    const after = source.current();
    assert.equal(after.version.generation, 2);
    assert.notEqual(after.version.hash, before.version.hash);
    assert.notEqual(source.policy('gateway')!.version, before.policies.gateway!.version);
    assert.equal(source.policy('orders')!.version, before.policies.orders!.version);
    const applied = lines.find((l) => l.msg === 'config applied');
    assert.deepEqual(applied?.policies_changed, ['gateway']);
    assert.equal(applied?.generation, 2);

    // Written in place, as some editors do, works as well.
    writeFileSync(file, withBreaker(20));
    await until(() => changes.length === 2);
    assert.equal(source.current().version.generation, 3);
    assert.deepEqual(source.counts(), { applied: 2, refused: 0, unchanged: 0 });
  });

  it('keeps the last good config through a broken file, logs each distinct error once, recovers', async () => {
    const { source, changes, refusals, lines, until } = follow();
    const good = source.current();
    replace(BROKEN);
    await until(() => refusals.length === 1);
    assert.equal(source.current(), good, 'the last good config stays in force');
    const refusal = source.lastRefusal();
    assert.equal(refusal?.errors[0]?.line, 4);
    assert.equal(refusal?.errors[0]?.file, file);

    // Saved again with the same mistake: read again, not logged again.
    replace(`${BROKEN}\n`);
    await until(() => refusals.length === 2);
    const other = BROKEN.replace('command: x, external', 'command: x, externl');
    replace(other);
    await until(() => refusals.length === 3);
    const logged = lines.filter((l) => String(l.msg).startsWith('config refused'));
    assert.equal(logged.length, 2);
    assert.match(
      String(logged[0]!.msg),
      /^config refused, keeping generation 1: .*fusion\.yaml:4:\d+: /,
    );
    assert.deepEqual(logged[0]!.keeping, { version: good.version.hash, generation: 1 });
    assert.equal((logged[1]!.errors as string[]).length, 2);

    replace(withBreaker(10));
    await until(() => changes.length === 1);
    assert.equal(source.lastRefusal(), undefined);
    assert.equal(source.current().version.generation, 2);
    assert.deepEqual(source.counts(), { applied: 1, refused: 3, unchanged: 0 });
  });

  it('a valid file with the same content (a comment) is no new generation', async () => {
    const { source, changes } = follow();
    replace(`# only a comment\n${BASE}`);
    while (source.counts().unchanged === 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(source.current().version.generation, 1);
    assert.equal(changes.length, 0);
  });

  it('the stat poll alone notices a change', async () => {
    const { source, changes, until } = follow({ watch: false });
    replace(withBreaker(10));
    await until(() => changes.length === 1);
    assert.equal(source.current().version.generation, 2);
  });
});
