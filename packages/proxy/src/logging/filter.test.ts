import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOG_FILTER, LogFilterError, parseLogFilter, parseLogFormat } from './filter.ts';

function problemOf(text: string): string {
  try {
    parseLogFilter(text);
  } catch (error) {
    assert.ok(error instanceof LogFilterError);
    return error.message;
  }
  assert.fail(`expected '${text}' to be refused`);
}

describe('parseLogFilter', () => {
  it("reads the seed's filter: warn by default, the proxy itself at info", () => {
    assert.deepEqual(parseLogFilter('warn,linkerd=info'), {
      text: 'warn,linkerd=info',
      defaultLevel: 'warn',
      targets: { linkerd: 'info' },
      proxyLevel: 'info',
    });
    assert.equal(DEFAULT_LOG_FILTER, 'warn,linkerd=info');
  });

  it('takes the bare level when no directive names the proxy', () => {
    assert.equal(parseLogFilter('debug').proxyLevel, 'debug');
    assert.equal(parseLogFilter('warn,hickory=error').proxyLevel, 'warn');
  });

  it('lets fusion=<level> win over linkerd=<level>, in either order', () => {
    assert.equal(parseLogFilter('linkerd=info,fusion=trace').proxyLevel, 'trace');
    assert.equal(parseLogFilter('fusion=trace,linkerd=info').proxyLevel, 'trace');
  });

  it("accepts Linkerd's full default and other targets, which change nothing here", () => {
    const filter = parseLogFilter('warn,linkerd=info,hickory=error');
    assert.equal(filter.proxyLevel, 'info');
    assert.deepEqual(filter.targets, { linkerd: 'info', hickory: 'error' });
    assert.equal(parseLogFilter('linkerd_app_inbound::server=debug,info').proxyLevel, 'info');
  });

  it('reads level names in any case, maps off to silent, and skips empty directives', () => {
    assert.equal(parseLogFilter('WARN,linkerd=DEBUG').proxyLevel, 'debug');
    assert.equal(parseLogFilter('linkerd=off').proxyLevel, 'silent');
    assert.equal(parseLogFilter(' info , ').proxyLevel, 'info');
    assert.equal(parseLogFilter(' info , ').text, 'info ,');
  });

  it('runs the proxy at error when no directive applies, as tracing does', () => {
    assert.equal(parseLogFilter('hickory=debug').proxyLevel, 'error');
  });

  it('names what is wrong with a malformed filter', () => {
    assert.match(problemOf(''), /empty/);
    assert.match(problemOf(' , '), /no directives/);
    assert.match(
      problemOf('inf'),
      /'inf' is neither a level \(trace, debug, info, warn, error, off\)/,
    );
    assert.match(problemOf('warn,linkerd=loud'), /'linkerd=loud': 'loud' is not a level/);
    assert.match(problemOf('warn,linkerd='), /'' is not a level/);
    assert.match(problemOf('=info'), /'' is not a target name/);
    assert.match(problemOf('my target=info'), /'my target' is not a target name/);
    assert.match(problemOf('linkerd[inbound]=debug'), /span filters .* not supported/);
    assert.match(problemOf('warn,info'), /'info' sets the default level a second time/);
    assert.match(problemOf('linkerd=info,linkerd=debug'), /sets 'linkerd' a second time/);
    assert.match(problemOf('fatal'), /'fatal' is neither a level/);
  });
});

describe('parseLogFormat', () => {
  it('accepts plain and json in any case and nothing else', () => {
    assert.equal(parseLogFormat('PLAIN'), 'plain');
    assert.equal(parseLogFormat('json'), 'json');
    assert.equal(parseLogFormat(' Json '), 'json');
    assert.equal(parseLogFormat('text'), undefined);
    assert.equal(parseLogFormat(''), undefined);
  });
});
