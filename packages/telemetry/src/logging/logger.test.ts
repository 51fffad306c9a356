import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { createLogger, isLogLevel } from './logger.ts';

/** A destination that keeps each written line as parsed JSON. */
function capture(): { stream: DestinationStream; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line));
    },
  };
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes one JSON line with time, level label, service, component and msg', () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'identity', component: 'db', destination: stream });
    log.info('migrations applied');
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'identity');
    assert.equal(line.component, 'db');
    assert.equal(line.msg, 'migrations applied');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(line).sort(), ['component', 'level', 'msg', 'service', 'time']);
  });

  it('omits component when none is given and keeps bound fields on children', () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 'vision', destination: stream });
    log.child({ trace_id: 'abc', span_id: 'def' }).warn({ attempt: 2 }, 'retrying');
    const line = lines[0]!;
    assert.equal('component' in line, false);
    assert.equal(line.level, 'warn');
    assert.equal(line.trace_id, 'abc');
    assert.equal(line.span_id, 'def');
    assert.equal(line.attempt, 2);
  });

  it('filters below its level and follows a level change at runtime', () => {
    const { stream, lines } = capture();
    const log = createLogger({ service: 's', level: 'warn', destination: stream });
    const child = log.child({ component: 'x' });
    log.info('dropped');
    child.debug('dropped');
    log.level = 'debug';
    child.debug('kept');
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['kept'],
    );
  });

  it('recognises the accepted level names', () => {
    assert.equal(isLogLevel('debug'), true);
    assert.equal(isLogLevel('silent'), true);
    assert.equal(isLogLevel('verbose'), false);
  });
});
