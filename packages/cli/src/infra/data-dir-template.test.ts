import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { holdsCluster, prepareDataDir } from './data-dir-template.ts';

const root = mkdtempSync(join(tmpdir(), 'fusion-pg-template-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in for initdb: the files a cluster has, and a count of how often it ran. */
function fakeInitdb() {
  const runs: string[] = [];
  return {
    runs,
    initialise: async (dir: string) => {
      runs.push(dir);
      mkdirSync(join(dir, 'base/1'), { recursive: true });
      writeFileSync(join(dir, 'base/1/1259'), 'catalog');
      writeFileSync(join(dir, 'PG_VERSION'), '18\n');
    },
  };
}

describe('prepareDataDir', () => {
  test('initdb runs once: the first fresh directory makes the template, later ones copy it', async () => {
    const dir = join(root, 'once');
    const templateDir = join(dir, 'cache/pglite-0.5.14');
    const initdb = fakeInitdb();
    const first = join(dir, 'a/data');
    mkdirSync(first, { recursive: true }); // postgres-main makes the directory first
    assert.equal(
      await prepareDataDir({ dataDir: first, templateDir, ...initdb }),
      'template-created',
    );
    const second = join(dir, 'b/data');
    assert.equal(await prepareDataDir({ dataDir: second, templateDir, ...initdb }), 'copied');
    assert.equal(initdb.runs.length, 1);
    for (const data of [first, second]) {
      assert.ok(holdsCluster(data));
      assert.equal(readFileSync(join(data, 'base/1/1259'), 'utf8'), 'catalog');
    }
    // Nothing left aside, in the cache or beside the data directories.
    assert.deepEqual(readdirSync(join(dir, 'cache')), ['pglite-0.5.14']);
    assert.deepEqual(readdirSync(join(dir, 'b')), ['data']);
  });

  test('a directory that holds a cluster is reused untouched', async () => {
    const dir = join(root, 'reuse');
    const initdb = fakeInitdb();
    const data = join(dir, 'data');
    await initdb.initialise(data);
    writeFileSync(join(data, 'base/1/1259'), 'rows of mine');
    const outcome = await prepareDataDir({
      dataDir: data,
      templateDir: join(dir, 'template'),
      ...initdb,
    });
    assert.equal(outcome, 'existing');
    assert.equal(readFileSync(join(data, 'base/1/1259'), 'utf8'), 'rows of mine');
    assert.equal(initdb.runs.length, 1);
  });

  test('without a template, or with foreign files in the directory, initdb is left to PGlite', async () => {
    const dir = join(root, 'none');
    const initdb = fakeInitdb();
    const data = join(dir, 'data');
    assert.equal(
      await prepareDataDir({ dataDir: data, templateDir: undefined, ...initdb }),
      'initdb',
    );
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'postgresql.conf'), '# half an initdb');
    const templateDir = join(dir, 'template');
    assert.equal(await prepareDataDir({ dataDir: data, templateDir, ...initdb }), 'initdb');
    assert.equal(initdb.runs.length, 0);
  });

  test('an unfinished template (no PG_VERSION) is not copied; a fresh one is made', async () => {
    const dir = join(root, 'unfinished');
    const templateDir = join(dir, 'template');
    mkdirSync(join(templateDir, 'base'), { recursive: true });
    const initdb = fakeInitdb();
    const data = join(dir, 'data');
    await assert.rejects(prepareDataDir({ dataDir: data, templateDir, ...initdb }));
    // The rename onto a non-empty directory failed and nothing usable was there: an error, and
    // the data directory was not half-made.
    assert.ok(!holdsCluster(data));
    rmSync(templateDir, { recursive: true });
    assert.equal(
      await prepareDataDir({ dataDir: data, templateDir, ...initdb }),
      'template-created',
    );
    assert.ok(holdsCluster(data));
  });

  test('two starts racing to make the template both get a cluster', async () => {
    const dir = join(root, 'race');
    const templateDir = join(dir, 'template');
    const initdb = fakeInitdb();
    const outcomes = await Promise.all(
      ['a', 'b'].map((name) =>
        prepareDataDir({ dataDir: join(dir, name), templateDir, ...initdb }),
      ),
    );
    assert.deepEqual(outcomes, ['template-created', 'template-created']);
    assert.ok(holdsCluster(join(dir, 'a')) && holdsCluster(join(dir, 'b')));
    assert.deepEqual(readdirSync(dir).sort(), ['a', 'b', 'template']);
  });
});
