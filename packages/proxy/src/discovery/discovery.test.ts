import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { serviceOfAuthority, splitHostPort } from './authority.ts';
import { staticDiscovery } from './discovery.ts';
import { type FileDiscovery, fileDiscovery, parseDiscoveryFile } from './file-discovery.ts';

const X = 'identity.default.serviceaccount.identity.cluster.local';

describe('serviceOfAuthority', () => {
  it('maps every way an app names a service to the service', () => {
    for (const authority of [
      'identity',
      'identity:8002',
      'identity.default.svc.cluster.local',
      'identity.default.svc.cluster.local.:80',
      'Identity.Default',
    ]) {
      assert.equal(serviceOfAuthority(authority), 'identity', authority);
    }
  });

  it('leaves IP addresses whole, so that they name no service', () => {
    assert.equal(serviceOfAuthority('127.0.0.1:8001'), '127.0.0.1');
    assert.equal(serviceOfAuthority('[::1]:8001'), '::1');
  });
});

describe('splitHostPort', () => {
  it('splits names, IPv4 and bracketed IPv6, and rejects bad ports', () => {
    assert.deepEqual(splitHostPort('a:1'), { host: 'a', port: 1 });
    assert.deepEqual(splitHostPort('[::1]:8001'), { host: '::1', port: 8001 });
    assert.deepEqual(splitHostPort('::1'), { host: '::1', port: undefined });
    assert.deepEqual(splitHostPort('a'), { host: 'a', port: undefined });
    assert.deepEqual(splitHostPort('a:99999'), { host: 'a', port: undefined });
  });
});

describe('staticDiscovery', () => {
  it('resolves known services only, prototype names included', () => {
    const discovery = staticDiscovery({ identity: [{ address: '127.0.0.1:1', identity: X }] });
    assert.deepEqual(discovery.resolve('identity'), [{ address: '127.0.0.1:1', identity: X }]);
    assert.equal(discovery.resolve('constructor'), undefined);
    assert.deepEqual(discovery.services(), ['identity']);
  });
});

describe('parseDiscoveryFile', () => {
  it('reads endpoints, a missing identity as undefined', () => {
    const table = parseDiscoveryFile(
      JSON.stringify({ a: [{ address: '127.0.0.1:8001', identity: X }, { address: 'h:2' }] }),
    );
    assert.deepEqual(table.get('a'), [
      { address: '127.0.0.1:8001', identity: X },
      { address: 'h:2', identity: undefined },
    ]);
  });

  it('names the entry that is wrong', () => {
    assert.throws(() => parseDiscoveryFile('{', 'f.json'), /^Error: f\.json: not JSON/);
    assert.throws(() => parseDiscoveryFile('[]', 'f.json'), /f\.json: expected an object/);
    assert.throws(
      () => parseDiscoveryFile('{"a":[{"address":"h:1"},{"address":"nope"}]}', 'f.json'),
      /f\.json: 'a'\[1\]: address must be "host:port", got "nope"/,
    );
    assert.throws(
      () => parseDiscoveryFile('{"a":[{"address":"h:1","identity":7}]}'),
      /'a'\[0\]: identity must be a string/,
    );
  });
});

describe('fileDiscovery', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'proxy-discovery-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses a missing file at start', () => {
    assert.throws(() => fileDiscovery(join(dir, 'absent.json')), /ENOENT/);
  });

  it('re-reads the file when it is rewritten or replaced, and keeps the last good one', async () => {
    const path = join(dir, 'endpoints.json');
    await writeFile(path, JSON.stringify({ a: [{ address: 'h:1', identity: X }], b: [] }));
    const { logger, lines } = captureLogger();
    const discovery = fileDiscovery(path, { logger });
    try {
      assert.deepEqual(discovery.services(), ['a', 'b']);
      const changed: string[] = [];
      discovery.on('change', (service) => changed.push(service));

      // In place: only the service whose endpoints changed is announced.
      const first = nextChange(discovery);
      await writeFile(
        path,
        JSON.stringify({
          a: [
            { address: 'h:1', identity: X },
            { address: 'h:2', identity: X },
          ],
        }),
      );
      await first;
      await waitFor(() => discovery.resolve('b') === undefined);
      assert.equal(discovery.resolve('a')?.length, 2);
      assert.deepEqual(changed.sort(), ['a', 'b']);

      // Invalid contents are refused and the last good ones stay …
      await writeFile(path, '{ "a": [ { "address": ');
      await waitFor(() => lines.some((l) => /refused/.test(String(l.msg))));
      assert.equal(discovery.resolve('a')?.length, 2);
      // … and an atomic replace (write elsewhere, rename over) is seen.
      const replaced = nextChange(discovery);
      await writeFile(`${path}.tmp`, JSON.stringify({ c: [{ address: 'h:3', identity: X }] }));
      await rename(`${path}.tmp`, path);
      await replaced;
      await waitFor(() => discovery.resolve('c') !== undefined);
      assert.deepEqual(discovery.services(), ['c']);
    } finally {
      discovery.close();
    }
  });
});

function nextChange(discovery: FileDiscovery): Promise<string> {
  return new Promise((resolve) => {
    const listener = (service: string) => {
      discovery.off('change', listener);
      resolve(service);
    };
    discovery.on('change', listener);
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'condition never held');
}
