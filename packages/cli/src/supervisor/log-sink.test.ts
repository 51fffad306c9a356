import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { LogSink, toRecord } from './log-sink.ts';

describe('toRecord', () => {
  test('normalises pino numbers to level names and ISO times, keeping every field', () => {
    const record = toRecord(
      'identity',
      '{"level":40,"time":0,"service":"identity","msg":"slow","req_id":"r1"}',
      'info',
    );
    assert.deepEqual(record, {
      level: 'warn',
      time: '1970-01-01T00:00:00.000Z',
      service: 'identity',
      msg: 'slow',
      req_id: 'r1',
    });
  });

  test('wraps lines that are not JSON, at the stream’s level', () => {
    const record = toRecord('vision', 'TypeError: boom', 'error');
    assert.equal(record.level, 'error');
    assert.equal(record.service, 'vision');
    assert.equal(record.msg, 'TypeError: boom');
    assert.equal(toRecord('vision', '{not json', 'info').msg, '{not json');
  });
});

describe('LogSink', () => {
  test('writes one JSON line per output line to <component>.log and remembers the tail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusion-logs-'));
    const sink = new LogSink(dir);
    const seen: string[] = [];
    sink.onRecord((source, record) => seen.push(`${source}:${record.msg}`));
    const child = spawn(process.execPath, [
      '-e',
      'console.log(JSON.stringify({level:30,time:Date.now(),msg:"hello"})); console.error("oops")',
    ]);
    sink.attach('demo', child);
    await once(child, 'close');
    sink.supervisor('warn', 'demo exited', { code: 0 });
    await sink.close();

    const lines = readFileSync(join(dir, 'demo.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.level, l.msg]).sort(), [
      ['error', 'oops'],
      ['info', 'hello'],
    ]);
    const supervisorLine = JSON.parse(readFileSync(join(dir, 'supervisor.log'), 'utf8'));
    assert.equal(supervisorLine.component, 'supervisor');
    assert.equal(supervisorLine.code, 0);
    assert.deepEqual(sink.recentLines('demo', 5).sort(), ['error oops', 'info hello']);
    assert.equal(seen.length, 3);
  });

  test('relays lines already in the mesh shape byte for byte, across chunk boundaries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusion-logs-'));
    const sink = new LogSink(dir);
    const warnings: string[] = [];
    sink.onRecord(
      (source, record) => warnings.push(`${source}:${record.level}:${record.msg}`),
      'warn',
    );
    const stdout = new PassThrough();
    sink.attach('identity', { stdout, stderr: null } as unknown as ChildProcess);
    // Key order and spacing a re-serialisation would not keep the same way: kept as they came.
    const request =
      '{"level":"info","time":"2026-12-02T15:00:00.000Z","service":"identity","status":200,"msg":"request completed","n":1.50}';
    const slow =
      '{"level":"warn","time":"2026-12-02T15:00:00.001Z","service":"identity","msg":"slow"}';
    stdout.write(`${request}\n${slow.slice(0, 20)}`);
    stdout.write(`${slow.slice(20)}\r\n{"level":30,"time":0,"msg":"pino"}\n`);
    stdout.end();
    await once(stdout, 'end');
    await sink.close();

    const lines = readFileSync(join(dir, 'identity.log'), 'utf8').split('\n');
    assert.equal(lines[0], request);
    assert.equal(lines[1], slow);
    // Not in the mesh shape (a numeric level): normalised as before.
    assert.deepEqual(JSON.parse(lines[2]!), {
      level: 'info',
      time: '1970-01-01T00:00:00.000Z',
      msg: 'pino',
    });
    assert.deepEqual(warnings, ['identity:warn:slow']);
    assert.deepEqual(sink.recentLines('identity', 3), [
      'info request completed',
      'warn slow',
      'info pino',
    ]);
  });

  test('bounds each file: past the limit it becomes .log.1 and a new one starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusion-logs-'));
    const sink = new LogSink(dir, { maxFileBytes: 1000 });
    const line = (n: number) =>
      `{"level":"info","time":"2026-12-07T05:00:00.000Z","msg":"line ${String(n).padStart(3, '0')}"}`;
    const stdout = new PassThrough();
    sink.attach('identity', { stdout, stderr: null } as unknown as ChildProcess);
    // Each line its own chunk, as a program's separate writes arrive.
    for (let n = 1; n <= 25; n++) {
      stdout.write(`${line(n)}\n`);
      await new Promise(setImmediate);
    }
    stdout.end();
    await once(stdout, 'end');
    await sink.close();
    const rotated = readFileSync(join(dir, 'identity.log.1'), 'utf8').trimEnd().split('\n');
    const current = readFileSync(join(dir, 'identity.log'), 'utf8').trimEnd().split('\n');
    assert.equal(rotated.length + current.length, 25, 'no line lost');
    assert.equal(rotated[0], line(1));
    assert.equal(current.at(-1), line(25));
    assert.ok(statSync(join(dir, 'identity.log.1')).size >= 1000);
    assert.ok(statSync(join(dir, 'identity.log')).size < 1000);
  });
});
