import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter } from './counter.ts';
import { escapeHelp, escapeLabelValue, renderLabels } from './format.ts';

describe('exposition escaping', () => {
  it('escapes backslash, double quote and newline in label values', () => {
    assert.equal(escapeLabelValue('plain'), 'plain');
    assert.equal(escapeLabelValue('C:\\dir'), 'C:\\\\dir');
    assert.equal(escapeLabelValue('say "hi"'), 'say \\"hi\\"');
    assert.equal(escapeLabelValue('two\nlines'), 'two\\nlines');
  });

  it('escapes only backslash and newline in HELP, leaving quotes alone', () => {
    assert.equal(escapeHelp('a "quoted" \\ help\ntext'), 'a "quoted" \\\\ help\\ntext');
  });

  it('renders escaped values inside a full series line', () => {
    const c = new Counter({ name: 'odd_total', help: 'Odd "labels"\n.', labelNames: ['path'] });
    c.labels('/a"b\\c\nd').inc();
    assert.equal(
      c.render(),
      '# HELP odd_total Odd "labels"\\n.\n# TYPE odd_total counter\nodd_total{path="/a\\"b\\\\c\\nd"} 1\n',
    );
  });

  it('renders no braces for an empty label set', () => {
    assert.equal(renderLabels([], []), '');
    assert.equal(renderLabels(['a', 'b'], ['1', '2']), '{a="1",b="2"}');
    assert.equal(
      renderLabels(['a', 'b', 'c'], ['', '2', '']),
      '{b="2"}',
      'empty values are left out',
    );
    assert.equal(renderLabels(['a'], ['']), '');
  });

  it('rejects invalid metric and label names', () => {
    assert.throws(() => new Counter({ name: '1abc', help: 'h' }), /invalid metric name/);
    assert.throws(() => new Counter({ name: 'a-b', help: 'h' }), /invalid metric name/);
    assert.throws(
      () => new Counter({ name: 'ok', help: 'h', labelNames: ['__reserved'] }),
      /invalid label name/,
    );
    assert.throws(
      () => new Counter({ name: 'ok', help: 'h', labelNames: ['a', 'a'] }),
      /duplicate label name/,
    );
  });
});
