import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENFORCED_POLICY_FIELDS, POLICY_FIELDS } from '@fusion/mesh-types';
import { parseConfig } from '../load.ts';
import { POLICY_SERVICES, withServices } from '../testing.ts';
import { compilePolicies } from './compile.ts';

// Every key the policy blocks have, once.
const EVERYTHING = withServices(
  POLICY_SERVICES,
  `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            tls: { mode: MUTUAL }
            timeout: 10s
            retries: { attempts: 1, perTryTimeout: 1s, retryOn: [5xx] }
            retryBudget: {}
            split: [{ backend: identity }]
            sessionAffinity: { header: x-user }
            mirror: { backend: vision, percentage: 1 }
            routes:
              - name: r
                match: { path: { prefix: /a }, method: GET, headers: { x-a: b }, queryParams: { v: b } }
circuitBreakers:
  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    destination: { selector: { matchLabels: { app: identity } } }
    policy:
      maxConnections: 1
      maxRequests: 1
      maxPendingRequests: 1
      maxRetries: 1
      failureAccrual: {}
authorizationPolicies:
  - name: a
    selector: { matchLabels: { app: identity } }
    policy:
      default: deny
      allow: [{ clients: { services: [ai-kernel] }, routes: [{ method: GET }] }]
rateLimits:
  - name: l
    selector: { matchLabels: { app: identity } }
    policy:
      total: { requestsPerSecond: 10 }
      identity: { requestsPerSecond: 5 }
      overrides: [{ requestsPerSecond: 7, clients: { services: [ai-kernel] } }]
faultInjections:
  - name: f
    selector: { matchLabels: { app: identity } }
    policy:
      abort: { percentage: 1, httpStatus: 500 }
      delay: { percentage: 1, fixedDelay: 1s }
`,
);

function config() {
  const result = parseConfig(EVERYTHING, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.config;
}

test('every field the sidecar does not enforce yet is reported once, and only those', () => {
  const { notEnforced } = compilePolicies(config());
  const expected = POLICY_FIELDS.filter((f) => !ENFORCED_POLICY_FIELDS.includes(f));
  assert.deepEqual([...new Set(notEnforced.map((n) => n.field))].sort(), [...expected].sort());
  assert.equal(new Set(notEnforced.map((n) => n.path)).size, notEnforced.length);
  // Everything else, every written field included, is reported when nothing is enforced.
  const all = compilePolicies(config(), []).notEnforced;
  assert.deepEqual([...new Set(all.map((n) => n.field))].sort(), [...POLICY_FIELDS].sort());
});

test('each entry names the key it was written at and whom it applies to', () => {
  const byPath = new Map(compilePolicies(config(), []).notEnforced.map((n) => [n.path, n]));
  assert.deepEqual(
    byPath.get('trafficPolicies[0].policy.traffic[0].policy.routes[0].match.method'),
    {
      path: 'trafficPolicies[0].policy.traffic[0].policy.routes[0].match.method',
      field: 'routes.match.method',
      reason:
        'routes.match.method compiled for ai-kernel -> identity, not enforced yet by the sidecar',
    },
  );
  assert.deepEqual(byPath.get('rateLimits[0].policy.overrides'), {
    path: 'rateLimits[0].policy.overrides',
    field: 'rateLimit.overrides',
    reason: 'rateLimit.overrides compiled for calls to identity, not enforced yet by the sidecar',
  });
  assert.equal(
    byPath.get('authorizationPolicies[0].policy.allow[0].routes')?.field,
    'authorization.routes',
  );
});

test('a field the sidecar enforces is no longer reported; all enforced, nothing is', () => {
  const some = compilePolicies(config(), ['retries.attempts', 'rateLimit.total']).notEnforced;
  const fields = new Set(some.map((n) => n.field));
  assert.equal(fields.has('retries.attempts'), false);
  assert.equal(fields.has('rateLimit.total'), false);
  assert.equal(fields.has('retries.perTryTimeout'), true);
  assert.deepEqual(compilePolicies(config(), POLICY_FIELDS).notEnforced, []);
});

test('a field reaching many pairs is one entry, its targets cut short', () => {
  const text = withServices(
    POLICY_SERVICES,
    `circuitBreakers:
  - name: cb
    selector: { matchLabels: { tier: core } }
    policy: { maxRequests: 10 }
`,
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok);
  assert.deepEqual(compilePolicies(result.config, []).notEnforced, [
    {
      path: 'circuitBreakers[0].policy.maxRequests',
      field: 'circuitBreaker.maxRequests',
      reason:
        'circuitBreaker.maxRequests compiled for ai-kernel, identity, vision -> api-gateway, ai-kernel, identity and 2 more, not enforced yet by the sidecar',
    },
  ]);
});
