import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboundPolicy } from '@fusion/mesh-types';
import { compileText, POLICY_SERVICES, withServices } from '../testing.ts';

const ALL = { headers: [] };

function traffic(selector: string, destination: string, policy: string): string {
  return withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: ${selector} }
    policy:
      traffic:
        - destination: { selector: { matchLabels: ${destination} } }
          policy:
${policy}`,
  );
}

test('routes come first in file order and keep what they do not set from the destination', () => {
  const text = traffic(
    '{ app: ai-kernel }',
    '{ app: identity }',
    `            timeout: 10s
            retries: { attempts: 2, retryOn: [503] }
            split:
              - { backend: identity, weight: 9 }
              - { backend: identity-canary, weight: 1 }
            routes:
              - name: canary-testers
                match: { headers: { X-Canary: "true" } }
                split: [{ backend: identity-canary }]
              - name: login
                match: { path: { exact: /login }, method: POST }
                timeout: 2s
                retries: { attempts: 0 }
`,
  );
  const identity = compileText(text)['ai-kernel']!.outbound.identity!;
  const retries = {
    limit: 2,
    retryOn: [{ min: 503, max: 503 }],
    retryOnGrpc: [],
    nonIdempotent: false,
  };
  const split = [
    { service: 'identity', weight: 9 },
    { service: 'identity-canary', weight: 1 },
  ];
  assert.deepEqual(identity.routes, [
    {
      name: 'canary-testers',
      // Header names are compared without case, so they travel in lower case.
      match: { headers: [{ name: 'x-canary', value: 'true' }] },
      timeoutMs: 10_000,
      retries,
      backends: [{ service: 'identity-canary', weight: 1 }],
    },
    {
      name: 'login',
      match: { path: { kind: 'exact', value: '/login' }, method: 'POST', headers: [] },
      timeoutMs: 2000,
      // attempts: 0 switches the destination's retries off for this route only.
      retries: {
        limit: 0,
        retryOn: [{ min: 500, max: 599 }],
        retryOnGrpc: [14],
        nonIdempotent: false,
      },
      backends: split,
    },
    { name: 'default', match: ALL, timeoutMs: 10_000, retries, backends: split },
  ]);
});

test("a mirror reaches the compiled routes: the destination's on every route, a route's own on it", () => {
  const text = traffic(
    '{ app: ai-kernel }',
    '{ app: identity }',
    `            mirror: { backend: identity-canary, percentage: 10 }
            routes:
              - name: reads
                match: { method: GET }
                mirror: { backend: identity-canary, percentage: 50 }
              - name: writes
                match: { method: POST }
`,
  );
  const routes = compileText(text)['ai-kernel']!.outbound.identity!.routes;
  assert.deepEqual(
    routes.map((r) => [r.name, r.mirror]),
    [
      ['reads', { service: 'identity-canary', percentage: 50 }],
      ['writes', { service: 'identity-canary', percentage: 10 }],
      ['default', { service: 'identity-canary', percentage: 10 }],
    ],
  );
});

test("Linkerd's defaults fill the retry budget and failure accrual", () => {
  const text = withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            retryBudget: { retryRatio: 0.5 }
            sessionAffinity: { header: X-User }
circuitBreakers:
  - name: cb
    selector: { matchLabels: { app: ai-kernel } }
    destination: { selector: { matchLabels: { app: identity } } }
    policy:
      failureAccrual: { consecutiveFailures: 3 }
`,
  );
  const expected: OutboundPolicy = {
    service: 'identity',
    routes: [{ name: 'default', match: ALL, backends: [{ service: 'identity', weight: 1 }] }],
    retryBudget: { retryRatio: 0.5, minRetriesPerSecond: 10, ttlMs: 10_000 },
    circuitBreaker: {
      failureAccrual: {
        kind: 'consecutive',
        maxFailures: 3,
        minPenaltyMs: 1000,
        maxPenaltyMs: 60_000,
        jitterRatio: 0.5,
      },
    },
    sessionAffinity: { kind: 'header', name: 'x-user' },
  };
  const kernel = compileText(text)['ai-kernel']!;
  assert.deepEqual(kernel.outbound, { identity: expected });
});

test('a cookie affinity keeps its name as written and its ttl when given', () => {
  const text = traffic(
    '{ app: ai-kernel }',
    '{ app: identity }',
    '            sessionAffinity: { cookie: { name: FusionSession, ttl: 30m } }\n',
  );
  assert.deepEqual(compileText(text)['ai-kernel']!.outbound.identity!.sessionAffinity, {
    kind: 'cookie',
    name: 'FusionSession',
    ttlMs: 1_800_000,
  });
});

test('selectors pick several callers and callees; every pair gets the rule', () => {
  const text = traffic('{ tier: core }', '{ tier: core }', '            timeout: 5s\n');
  const policies = compileText(text);
  const core = ['ai-kernel', 'identity', 'vision'];
  for (const name of core) {
    assert.deepEqual(Object.keys(policies[name]!.outbound), core, name);
    for (const destination of core) {
      assert.equal(policies[name]!.outbound[destination]!.routes[0]!.timeoutMs, 5000);
    }
  }
  assert.deepEqual(policies['api-gateway']!.outbound, {});
  assert.deepEqual(policies['identity-canary']!.outbound, {});
});

test('outbound destinations are in service order, whatever order the blocks came in', () => {
  const text = withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: api-gateway } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: vision } } }
          policy: { timeout: 1s }
        - destination: { selector: { matchLabels: { app: ai-kernel } } }
          policy: { timeout: 2s }
`,
  );
  assert.deepEqual(Object.keys(compileText(text)['api-gateway']!.outbound), [
    'ai-kernel',
    'vision',
  ]);
});

test('two blocks may set different things for one pair; both apply', () => {
  const text = withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: timeouts
    selector: { matchLabels: { tier: core } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy: { timeout: 3s }
  - name: retries
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy: { retries: { attempts: 1 } }
`,
  );
  const route = compileText(text)['ai-kernel']!.outbound.identity!.routes[0]!;
  assert.equal(route.timeoutMs, 3000);
  assert.equal(route.retries?.limit, 1);
});
