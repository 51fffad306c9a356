import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../load.ts';
import { check, POLICY_SERVICES, withServices } from '../../testing.ts';

function breaker(body: string): string {
  return withServices(POLICY_SERVICES, `circuitBreakers:\n${body}`);
}

test('failure accrual and a destination are read as written, nothing defaulted', () => {
  const text = breaker(`  - name: kernel-cb
    selector: { matchLabels: { app: ai-kernel } }
    destination: { selector: { matchLabels: { tier: core } } }
    policy:
      maxPendingRequests: 50
      failureAccrual:
        consecutiveFailures: 5
        minPenalty: 500ms
        maxPenalty: 30s
        jitterRatio: 0.25
  - name: gateway-cb
    selector: { matchLabels: { app: api-gateway } }
    policy:
      failureAccrual: {}
`);
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.config.circuitBreakers, [
    {
      name: 'kernel-cb',
      selector: { matchLabels: { app: 'ai-kernel' } },
      destination: { selector: { matchLabels: { tier: 'core' } } },
      policy: {
        maxPendingRequests: 50,
        failureAccrual: {
          consecutiveFailures: 5,
          minPenaltyMs: 500,
          maxPenaltyMs: 30_000,
          jitterRatio: 0.25,
        },
      },
    },
    {
      name: 'gateway-cb',
      selector: { matchLabels: { app: 'api-gateway' } },
      policy: { failureAccrual: {} },
    },
  ]);
});

test('bad failure accrual values are reported at each key', () => {
  const text = breaker(`  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      failureAccrual: { consecutiveFailures: 0, minPenalty: 1, jitterRatio: 101, backoff: 1s }
`);
  assert.deepEqual(check(text).errors, [
    '26:46 circuitBreakers[0].policy.failureAccrual.consecutiveFailures: expected an integer of at least 1, got number 0',
    '26:61 circuitBreakers[0].policy.failureAccrual.minPenalty: expected a duration of at least 1ms such as 500ms, 2s, 5m or 1h30m, got number 1; add a unit (ms, s, m or h)',
    '26:77 circuitBreakers[0].policy.failureAccrual.jitterRatio: expected a number from 0 to 100, got number 101',
    "26:82 circuitBreakers[0].policy.failureAccrual: unknown key 'backoff'; valid keys: consecutiveFailures, minPenalty, maxPenalty, jitterRatio",
  ]);
});

test('the penalty may not start above its ceiling, written or default', () => {
  const written = breaker(`  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      failureAccrual: { minPenalty: 10s, maxPenalty: 5s }
`);
  assert.deepEqual(check(written).errors, [
    '26:42 circuitBreakers[0].policy.failureAccrual.maxPenalty: minPenalty 10s is above maxPenalty 5s',
  ]);
  const defaulted = breaker(`  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      failureAccrual: { minPenalty: 2m }
`);
  assert.deepEqual(check(defaulted).errors, [
    '26:25 circuitBreakers[0].policy.failureAccrual.minPenalty: minPenalty 2m is above maxPenalty 1m (the default)',
  ]);
});

test('a destination that selects nothing is a warning at its selector', () => {
  const text = breaker(`  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    destination: { selector: { matchLabels: { app: identiti } } }
    policy: { maxConnections: 1 }
`);
  const { errors, warnings } = check(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, [
    "25:30 circuitBreakers[0].destination.selector: selects no service (matchLabels app=identiti); did you mean app 'identity'?",
  ]);
});
