import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readRecords } from '../jsonl/index.ts';
import { formatLine } from './format.ts';
import { LOG_RECORDS, type LogFilter, logFiles, matches, selects } from './records.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const line = (second: number, level: string, msg: string, extra: object = {}) =>
  `${JSON.stringify({ level, time: `2026-12-07T05:00:0${second}.000Z`, service: 's', msg, ...extra })}\n`;

describe('fusion logs: reading and selecting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-logs-read-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'identity.log'), line(3, 'info', 'served', { trace_id: TRACE }));
  writeFileSync(join(dir, 'identity.log.1'), line(1, 'debug', 'starting'));
  writeFileSync(join(dir, 'identity-1-proxy.log'), `${line(2, 'warn', 'slow endpoint')}not json\n`);
  writeFileSync(join(dir, 'identity-service.log'), line(4, 'error', 'another service'));
  writeFileSync(join(dir, 'supervisor.log'), line(5, 'info', 'ready', { component: 'supervisor' }));
  const read = (filter: LogFilter) =>
    readRecords(logFiles(dir), LOG_RECORDS, (e) => matches(e, filter)).records.map(
      (e) => `${e.source} ${e.msg}`,
    );

  it('merges every file by time, rotations included, and skips what is not a record', () => {
    const all = readRecords(logFiles(dir), LOG_RECORDS, () => true);
    assert.deepEqual(
      all.records.map((e) => e.source),
      ['identity', 'identity-1-proxy', 'identity', 'identity-service', 'supervisor'],
    );
    assert.equal(all.skipped, 1);
  });

  it('takes a service to mean its app and sidecars, every replica, and nothing else', () => {
    assert.deepEqual(read({ components: ['identity'] }), [
      'identity starting',
      'identity-1-proxy slow endpoint',
      'identity served',
    ]);
    for (const source of ['identity', 'identity-2', 'identity-proxy', 'identity-12-proxy']) {
      assert.ok(selects('identity', source), source);
    }
    for (const source of ['identity-service', 'identity-proxy-2', 'identityx']) {
      assert.ok(!selects('identity', source), source);
    }
  });

  it('filters by least level, time, text and trace id', () => {
    assert.deepEqual(read({ minLevel: 'warn' }), [
      'identity-1-proxy slow endpoint',
      'identity-service another service',
    ]);
    assert.deepEqual(read({ sinceMs: Date.UTC(2026, 11, 7, 5, 0, 4) }), [
      'identity-service another service',
      'supervisor ready',
    ]);
    assert.deepEqual(read({ grep: 'slow' }), ['identity-1-proxy slow endpoint']);
    assert.deepEqual(read({ traceId: TRACE }), ['identity served']);
  });
});

describe('fusion logs: a line for a person', () => {
  const entry = {
    source: 'ai-kernel-proxy',
    time: '2026-12-07T05:00:01.234Z',
    level: 'warn',
    msg: 'endpoint failed',
    fields: {
      level: 'warn',
      time: '',
      msg: '',
      service: 'ai-kernel',
      endpoint: '127.0.0.2:8002',
      tries: 2,
    },
  };

  it('shows time of day, component, level, message and the other fields', () => {
    assert.equal(
      formatLine(entry, { colour: false, width: 16 }),
      '05:00:01.234  ai-kernel-proxy   WARN   endpoint failed  endpoint=127.0.0.2:8002  tries=2',
    );
  });

  it('colours the component and a warning only when asked', () => {
    const ESC = '\u001b';
    const coloured = formatLine(entry, { colour: true, width: 16 });
    assert.match(coloured, new RegExp(`${ESC}\\[\\d+mai-kernel-proxy ${ESC}\\[0m`));
    assert.ok(coloured.includes(`${ESC}[33mWARN ${ESC}[0m`));
    assert.ok(!formatLine(entry, { colour: false, width: 16 }).includes(ESC));
  });
});
