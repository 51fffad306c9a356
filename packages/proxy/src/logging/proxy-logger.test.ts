import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogFilterError } from './filter.ts';
import { plainLine } from './plain.ts';
import { createProxyLogger } from './proxy-logger.ts';

function capture(): { write(line: string): void; lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(line);
    },
  };
}

describe('createProxyLogger', () => {
  it('writes JSON lines with time, level, service, component and msg at the proxy level', () => {
    const out = capture();
    const log = createProxyLogger({
      service: 'ai-kernel',
      filter: 'warn,linkerd=info',
      format: 'json',
      destination: out,
    });
    const inbound = log.component('inbound');
    inbound.debug('hidden');
    inbound.info({ peer: 'gateway' }, 'accepted');
    assert.equal(out.lines.length, 1);
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.deepEqual(
      { ...line, time: typeof line.time },
      {
        level: 'info',
        time: 'string',
        service: 'ai-kernel',
        component: 'inbound',
        peer: 'gateway',
        msg: 'accepted',
      },
    );
  });

  it('applies a new filter at once, to children made before the change too', () => {
    const out = capture();
    const log = createProxyLogger({
      service: 'ai-kernel',
      filter: 'warn,linkerd=info',
      format: 'json',
      destination: out,
    });
    const outbound = log.component('outbound');
    outbound.debug('before');
    const applied = log.setLevel('warn,linkerd=debug');
    assert.equal(applied.proxyLevel, 'debug');
    assert.equal(log.level(), 'warn,linkerd=debug');
    outbound.debug('after');
    log.root.debug('root too');
    assert.deepEqual(
      out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg),
      ['after', 'root too'],
    );

    log.setLevel('linkerd=off');
    outbound.error('silenced');
    assert.equal(out.lines.length, 2);
  });

  it('keeps the filter in force when a new one is refused', () => {
    const log = createProxyLogger({
      service: 'x',
      filter: 'info',
      format: 'json',
      destination: capture(),
    });
    assert.throws(() => log.setLevel('linkerd=loud'), LogFilterError);
    assert.equal(log.level(), 'info');
    assert.equal(log.filter().proxyLevel, 'info');
  });

  it('refuses an invalid initial filter', () => {
    assert.throws(
      () => createProxyLogger({ service: 'x', filter: 'nope', format: 'json' }),
      LogFilterError,
    );
  });

  it('writes the plain format as one readable line per event', () => {
    const out = capture();
    const log = createProxyLogger({
      service: 'ai-kernel',
      filter: 'info',
      format: 'plain',
      destination: out,
    });
    log.component('admin').info({ address: '127.0.0.1:4191', note: 'two words' }, 'listening');
    log.root.warn({ err: new Error('boom') }, 'failed');
    assert.equal(out.lines.length, 2);
    assert.match(
      out.lines[0]!,
      /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}INFO ai-kernel admin: listening address=127\.0\.0\.1:4191 note="two words"$/,
    );
    assert.match(out.lines[1]!, / {2}WARN ai-kernel: failed err="Error: boom"$/);
  });
});

describe('plainLine', () => {
  it('passes a line that is not JSON through unchanged', () => {
    assert.equal(plainLine('not json'), 'not json');
  });
});
