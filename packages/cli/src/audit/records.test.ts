import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { endOffsets, readNew } from './follow.ts';
import { type AuditEntry, readAudit, shortCaller } from './records.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusion-audit-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const id = (service: string) => `${service}.default.serviceaccount.identity.cluster.local`;
const line = (
  second: number,
  decision: AuditEntry['decision'],
  service: string,
  caller: string,
  policy = 'x[0]',
) =>
  `${JSON.stringify({
    time: new Date(Date.UTC(2026, 11, 7, 2, 0, second)).toISOString(),
    decision,
    policy,
    service,
    instance: service,
    caller,
    peer: '127.0.0.1',
    tls: caller !== 'unauthenticated',
    method: 'GET',
    path: '/users',
  })}\n`;

describe('reading the audit logs', () => {
  it('merges every replica file by time, rotated ones included, and filters', () => {
    writeFileSync(join(dir, 'identity.log.1'), line(1, 'allow', 'identity', id('ai-kernel')));
    writeFileSync(
      join(dir, 'identity.log'),
      line(4, 'deny', 'identity', id('vision'), 'default:deny') +
        line(5, 'allow', 'identity', id('destination.fusion'), 'control-plane-probe') +
        'not json\n',
    );
    writeFileSync(join(dir, 'api-gateway.log'), line(2, 'allow', 'api-gateway', 'unauthenticated'));
    const all = readAudit(dir, {});
    assert.deepEqual(
      all.records.map((r) => `${r.time.slice(17, 19)} ${r.decision} ${shortCaller(r.caller)}`),
      ['01 allow ai-kernel', '02 allow unauthenticated', '04 deny vision'],
    );
    assert.equal(all.skipped, 1);
    assert.equal(readAudit(dir, { probes: true }).records.length, 4);
    assert.deepEqual(
      readAudit(dir, { deniedOnly: true }).records.map((r) => r.caller),
      [id('vision')],
    );
    assert.equal(readAudit(dir, { service: 'api-gateway' }).records.length, 1);
    assert.equal(readAudit(dir, { caller: 'ai-kernel' }).records.length, 1);
    assert.equal(readAudit(dir, { caller: 'ai' }).records.length, 0, 'whole labels only');
    assert.equal(readAudit(dir, { caller: 'unauthenticated' }).records.length, 1);
    const since = Date.UTC(2026, 11, 7, 2, 0, 3);
    assert.equal(readAudit(dir, { sinceMs: since }).records.length, 1);
  });

  it('follows what is appended, whole lines only, and starts over after a rotation', () => {
    const file = join(dir, 'vision.log');
    writeFileSync(file, line(1, 'allow', 'vision', id('api-gateway')));
    const offsets = endOffsets(dir);
    assert.deepEqual(readNew(dir, offsets, {}), []);
    const next = line(2, 'deny', 'vision', id('identity'));
    appendFileSync(file, next.slice(0, 20));
    assert.deepEqual(readNew(dir, offsets, {}), [], 'half a line waits');
    appendFileSync(file, next.slice(20));
    assert.deepEqual(
      readNew(dir, offsets, {}).map((r) => r.decision),
      ['deny'],
    );
    renameSync(file, `${file}.1`);
    // A new file, longer than the old one was: told apart by its inode.
    writeFileSync(file, line(3, 'allow', 'vision', id('api-gateway')).repeat(3));
    assert.deepEqual(
      readNew(dir, offsets, {}).map((r) => r.time.slice(17, 19)),
      ['03', '03', '03'],
    );
  });
});
