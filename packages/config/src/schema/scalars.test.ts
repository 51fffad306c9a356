import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSchema } from '../testing.ts';
import { bool, decimal, duration, int, nonEmpty, oneOf, string } from './scalars.ts';

test('int accepts integers in range and names the range and the found value otherwise', () => {
  assert.equal(runSchema(int(1, 65535), '8001').value, 8001);
  assert.deepEqual(runSchema(int(1, 65535), '80a').errors, [
    '1:1 value: expected an integer from 1 to 65535, got string "80a"',
  ]);
  assert.deepEqual(runSchema(int(1, 65535), '70000').errors, [
    '1:1 value: expected an integer from 1 to 65535, got number 70000',
  ]);
  assert.deepEqual(runSchema(int(1, 64), '1.5').errors, [
    '1:1 value: expected an integer from 1 to 64, got number 1.5',
  ]);
  // Quoted digits are text: YAML says so, and coercing would hide a real mistake.
  assert.deepEqual(runSchema(int(0), '"3"').errors, [
    '1:1 value: expected a non-negative integer, got string "3"',
  ]);
  assert.deepEqual(runSchema(int(0), '[1]').errors, [
    '1:1 value: expected a non-negative integer, got a list',
  ]);
});

test('string asks for quotes when a number or boolean stands where text belongs', () => {
  assert.equal(runSchema(string(), 'hello').value, 'hello');
  assert.deepEqual(runSchema(string(), '8080').errors, [
    '1:1 value: must be a string; quote it (got number 8080)',
  ]);
  assert.deepEqual(runSchema(string(), 'true').errors, [
    '1:1 value: must be a string; quote it (got boolean true)',
  ]);
  assert.deepEqual(runSchema(string(), '{a: 1}').errors, [
    '1:1 value: expected a string, got a mapping',
  ]);
  assert.deepEqual(runSchema(string(nonEmpty), '""').errors, [
    '1:1 value: expected a non-empty string, got string ""',
  ]);
});

test('bool takes only YAML 1.2 booleans', () => {
  assert.equal(runSchema(bool(), 'false').value, false);
  assert.deepEqual(runSchema(bool(), 'yes').errors, [
    '1:1 value: expected true or false, got string "yes"',
  ]);
});

test('oneOf lists every allowed value and guesses the intended one', () => {
  const level = oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
  assert.equal(runSchema(level, 'warn').value, 'warn');
  assert.deepEqual(runSchema(level, 'verbose').errors, [
    '1:1 value: expected one of trace, debug, info, warn, error, fatal, got string "verbose"',
  ]);
  assert.deepEqual(runSchema(level, 'warning').errors, [
    `1:1 value: expected one of trace, debug, info, warn, error, fatal, got string "warning"; did you mean 'warn'?`,
  ]);
});

test('duration converts to milliseconds and explains bad or too short values', () => {
  assert.equal(runSchema(duration(), '1h30m').value, 5_400_000);
  assert.deepEqual(runSchema(duration(), '2 seconds').errors, [
    '1:1 value: expected a duration such as 500ms, 2s, 5m or 1h30m, got string "2 seconds"',
  ]);
  assert.deepEqual(runSchema(duration(), '30').errors, [
    '1:1 value: expected a duration such as 500ms, 2s, 5m or 1h30m, got number 30; add a unit (ms, s, m or h)',
  ]);
  assert.deepEqual(runSchema(duration({ min: 1000 }), '500ms').errors, [
    '1:1 value: must be at least 1s, got 500ms',
  ]);
});

test('an empty value is reported as nothing', () => {
  assert.deepEqual(runSchema(int(1, 10), '~').errors, [
    '1:1 value: expected an integer from 1 to 10, got nothing',
  ]);
});

test('decimal takes fractions within its range and nothing that is not a number', () => {
  assert.equal(runSchema(decimal(0, 1), '0.25').value, 0.25);
  assert.equal(runSchema(decimal(0, 100), '7').value, 7);
  assert.deepEqual(runSchema(decimal(0, 1), '1.5').errors, [
    '1:1 value: expected a number from 0 to 1, got number 1.5',
  ]);
  assert.deepEqual(runSchema(decimal(0), '"0.5"').errors, [
    '1:1 value: expected a number of at least 0, got string "0.5"',
  ]);
  assert.deepEqual(runSchema(decimal(0), '.nan').errors, [
    '1:1 value: expected a number of at least 0, got number NaN',
  ]);
});
