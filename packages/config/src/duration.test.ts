import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

test('parseDuration converts each unit to milliseconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2s'), 2_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration adds up compound durations', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('2s500ms'), 2_500);
});

test('parseDuration refuses anything without a unit or with an unknown one', () => {
  for (const text of [
    '',
    '500',
    '2',
    's',
    '1.s',
    '.5s',
    '-1s',
    '1d',
    '2 s',
    ' 2s',
    '2sec',
    '1h 30m',
    '1e3ms',
    '2S',
  ]) {
    assert.equal(parseDuration(text), undefined, text);
  }
});

test('formatDuration writes the shortest exact spelling', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(1), '1ms');
  assert.equal(formatDuration(1_000), '1s');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(86_400_000), '24h');
  assert.equal(formatDuration(1_500), '1s500ms');
});
