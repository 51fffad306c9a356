import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closest, editDistance, suggestion } from './suggest.ts';

test('editDistance counts insertions, deletions, substitutions and swaps as one edit each', () => {
  assert.equal(editDistance('port', 'port'), 0);
  assert.equal(editDistance('dependOn', 'dependsOn'), 1);
  assert.equal(editDistance('prot', 'port'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('closest suggests a key within two edits', () => {
  const keys = ['port', 'entry', 'command', 'dependsOn', 'replicas'];
  assert.equal(closest('dependOn', keys), 'dependsOn');
  assert.equal(closest('replica', keys), 'replicas');
  assert.equal(closest('comand', keys), 'command');
  assert.equal(closest('Port', keys), 'port');
});

test('closest accepts a long shared beginning even past two edits', () => {
  assert.equal(
    closest('trafficPolicy', ['mesh', 'services', 'trafficPolicies']),
    'trafficPolicies',
  );
  assert.equal(closest('circuitBreaker', ['circuitBreakers', 'logging']), 'circuitBreakers');
});

test('closest stays quiet when nothing is near', () => {
  assert.equal(closest('zebra', ['port', 'entry', 'command']), undefined);
  // Short words are all a couple of edits apart; two edits on three letters is a new word.
  assert.equal(closest('abc', ['xyz', 'axy']), undefined);
});

test('suggestion lists the valid choices when it cannot guess', () => {
  assert.equal(suggestion('dependOn', ['dependsOn']), "; did you mean 'dependsOn'?");
  assert.equal(suggestion('zebra', ['port', 'entry']), '; valid keys: port, entry');
  assert.equal(suggestion('zebra', ['a', 'b'], 'known services'), '; known services: a, b');
  assert.equal(suggestion('zebra', []), '');
});
