import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AuditRecord } from '@fusion/mesh-types';
import { AuditLog } from './audit-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusion-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = (n: number, decision: AuditRecord['decision'] = 'allow'): AuditRecord => ({
  time: new Date(0).toISOString(),
  decision,
  policy: 'identity-callers[0]',
  service: 'identity',
  instance: 'identity',
  caller: 'ai-kernel.default.serviceaccount.identity.cluster.local',
  peer: '127.0.0.1',
  tls: true,
  method: 'GET',
  path: `/users/${n}`,
});
const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').filter(Boolean) : [];

describe('AuditLog', () => {
  it('appends one JSON line per record, after the call returned, in order', async () => {
    const file = join(dir, 'nested', 'a.log');
    const log = new AuditLog({ file });
    for (let i = 0; i < 5; i++) log.record(entry(i));
    assert.deepEqual(lines(file), [], 'nothing is written on the request path');
    await log.flush();
    assert.deepEqual(
      lines(file).map((l) => JSON.parse(l).path),
      ['/users/0', '/users/1', '/users/2', '/users/3', '/users/4'],
    );
    await log.close();
  });

  it('drops and counts records beyond its queue instead of growing', async () => {
    const file = join(dir, 'b.log');
    let dropped = 0;
    const log = new AuditLog({ file, capacity: 3, onDropped: () => dropped++ });
    for (let i = 0; i < 10; i++) log.record(entry(i));
    assert.equal(log.dropped, 7);
    assert.equal(dropped, 7);
    await log.flush();
    assert.equal(lines(file).length, 3);
    log.record(entry(10));
    await log.close();
    assert.equal(lines(file).length, 4, 'the queue takes records again once written');
  });

  it('rotates past maxBytes: the file moves to .1, the previous .1 goes', async () => {
    const file = join(dir, 'c.log');
    const size = JSON.stringify(entry(0)).length + 1;
    const log = new AuditLog({ file, maxBytes: size * 3 });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 2; i++) log.record(entry(round * 10 + i));
      await log.flush();
    }
    await log.close();
    // Rounds of two lines, rotated whenever a third would not fit: rounds 2 and 3 are kept.
    assert.deepEqual(
      lines(`${file}.1`).map((l) => JSON.parse(l).path),
      ['/users/20', '/users/21'],
    );
    assert.deepEqual(
      lines(file).map((l) => JSON.parse(l).path),
      ['/users/30', '/users/31'],
    );
  });
});
