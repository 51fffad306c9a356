import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../load.ts';
import { check, POLICY_SERVICES, withServices } from '../../testing.ts';

function faults(body: string): string {
  return withServices(POLICY_SERVICES, `faultInjections:\n${body}`);
}

test('a fault injection reads abort and delay, durations converted', () => {
  const text = faults(`  - name: vision-chaos
    selector: { matchLabels: { app: vision } }
    policy:
      abort: { percentage: 10, httpStatus: 503 }
      delay: { percentage: 2.5, fixedDelay: 300ms }
`);
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.config.faultInjections[0]?.policy, {
    abort: { percentage: 10, httpStatus: 503 },
    delay: { percentage: 2.5, fixedDelayMs: 300 },
  });
});

test('bad faults are reported at each key', () => {
  const text = faults(`  - name: f
    selector: { matchLabels: { app: vision } }
    policy:
      abort: { percentage: 110, httpStatus: 200 }
      delay: { percentage: 5 }
  - name: g
    selector: { matchLabels: { app: vision } }
    policy: { abrot: {} }
`);
  assert.deepEqual(check(text).errors, [
    '26:28 faultInjections[0].policy.abort.percentage: expected a number from 0 to 100, got number 110',
    '26:45 faultInjections[0].policy.abort.httpStatus: expected an integer from 400 to 599, got number 200',
    "27:14 faultInjections[0].policy.delay: missing required key 'fixedDelay' (a duration of at least 1ms such as 500ms, 2s, 5m or 1h30m)",
    "30:15 faultInjections[1].policy: unknown key 'abrot'; did you mean 'abort'?",
  ]);
});
