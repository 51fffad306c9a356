import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../load.ts';
import { check, POLICY_SERVICES, withServices } from '../../testing.ts';

function limits(body: string): string {
  return withServices(POLICY_SERVICES, `rateLimits:\n${body}`);
}

test('a rate limit reads total, per identity and overrides', () => {
  const text = limits(`  - name: identity-limit
    selector: { matchLabels: { app: identity } }
    policy:
      total: { requestsPerSecond: 1000, burst: 2000 }
      identity: { requestsPerSecond: 100 }
      overrides:
        - requestsPerSecond: 500
          clients: { services: [ai-kernel] }
`);
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.config.rateLimits[0]?.policy, {
    total: { requestsPerSecond: 1000, burst: 2000 },
    identity: { requestsPerSecond: 100 },
    overrides: [{ requestsPerSecond: 500, clients: { services: ['ai-kernel'] } }],
  });
});

test('no limit may exceed the total; overrides name identified clients only', () => {
  const text = limits(`  - name: l
    selector: { matchLabels: { app: identity } }
    policy:
      total: { requestsPerSecond: 100 }
      identity: { requestsPerSecond: 200 }
      overrides:
        - { requestsPerSecond: 150, clients: { services: [vision] } }
  - name: m
    selector: { matchLabels: { app: vision } }
    policy:
      overrides: [{ requestsPerSecond: 50, clients: { services: [visoin] } }]
`);
  assert.deepEqual(check(text).errors, [
    '27:38 rateLimits[0].policy.identity.requestsPerSecond: 200 is above the total limit of 100 requests per second',
    '29:32 rateLimits[0].policy.overrides[0].requestsPerSecond: 150 is above the total limit of 100 requests per second',
    "33:66 rateLimits[1].policy.overrides[0].clients.services[0]: unknown service 'visoin'; did you mean 'vision'?",
  ]);
  const unauthenticated = limits(`  - name: l
    selector: { matchLabels: { app: identity } }
    policy:
      overrides: [{ requestsPerSecond: 5, clients: { unauthenticated: true } }]
`);
  assert.deepEqual(check(unauthenticated).errors, [
    "26:54 rateLimits[0].policy.overrides[0].clients: unknown key 'unauthenticated'; valid keys: services, identities",
  ]);
});

test('a rate limit needs some limit, and rates of at least one', () => {
  const text = limits(`  - name: l
    selector: { matchLabels: { app: identity } }
    policy: {}
  - name: m
    selector: { matchLabels: { app: vision } }
    policy: { total: { requestsPerSecond: 0, burst: 0, brust: 1 } }
`);
  assert.deepEqual(check(text).errors, [
    "25:13 rateLimits[0].policy: give 'total', 'identity', 'overrides' or several",
    '28:43 rateLimits[1].policy.total.requestsPerSecond: expected an integer of at least 1, got number 0',
    '28:53 rateLimits[1].policy.total.burst: expected an integer of at least 1, got number 0',
    "28:56 rateLimits[1].policy.total: unknown key 'brust'; did you mean 'burst'?",
  ]);
});
