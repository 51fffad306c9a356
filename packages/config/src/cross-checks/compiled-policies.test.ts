import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, POLICY_SERVICES, withServices } from '../testing.ts';

const file = (blocks: string) => withServices(POLICY_SERVICES, blocks);

test('two blocks setting one thing for one pair: an error at the second, naming the first', () => {
  const text = file(`trafficPolicies:
  - name: core
    selector: { matchLabels: { tier: core } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            retries: { attempts: 1 }
  - name: kernel
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            retries: { attempts: 3 }
            timeout: 1s
`);
  const { errors, warnings } = check(text);
  assert.deepEqual(errors, [
    "36:13 trafficPolicies[1].policy.traffic[0].policy.retries: retries for ai-kernel -> identity is already set by trafficPolicies 'core' (fusion.yaml:29:13); each setting of a pair may come from one place only",
  ]);
  // A refused file says nothing about enforcement.
  assert.deepEqual(warnings, []);
});

test('rules of one block overlap too, and one error covers every shared pair', () => {
  const text = file(`trafficPolicies:
  - name: p
    selector: { matchLabels: { tier: core } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: {} } }
          policy: { timeout: 1s }
        - destination: { selector: { matchLabels: { app: vision } } }
          policy: { timeout: 2s }
`);
  assert.deepEqual(check(text).errors, [
    "30:21 trafficPolicies[0].policy.traffic[1].policy.timeout: timeout for ai-kernel, identity, vision -> vision is already set by trafficPolicies 'p' (fusion.yaml:28:21); each setting of a pair may come from one place only",
  ]);
});

test('circuit breakers conflict per field; the callee side per service', () => {
  const text = file(`circuitBreakers:
  - name: all
    selector: { matchLabels: { app: ai-kernel } }
    policy: { maxConnections: 10, maxRequests: 10 }
  - name: identity-only
    selector: { matchLabels: { app: ai-kernel } }
    destination: { selector: { matchLabels: { app: identity } } }
    policy: { maxRequests: 5, maxRetries: 1 }
rateLimits:
  - name: a
    selector: { matchLabels: { app: identity } }
    policy: { total: { requestsPerSecond: 10 } }
  - name: b
    selector: { matchLabels: { tier: core } }
    policy: { identity: { requestsPerSecond: 10 } }
authorizationPolicies:
  - name: x
    selector: { matchLabels: { app: vision } }
    policy: { default: deny }
  - name: y
    selector: { matchLabels: { app: vision } }
    policy: { default: audit, allow: [{ clients: { services: [ai-kernel] } }] }
`);
  assert.deepEqual(check(text).errors, [
    "29:15 circuitBreakers[1].policy.maxRequests: circuitBreaker.maxRequests for ai-kernel -> identity is already set by circuitBreakers 'all' (fusion.yaml:25:35); each setting of a pair may come from one place only",
    "36:5 rateLimits[1].policy: rateLimit for calls to identity is already set by rateLimits 'a' (fusion.yaml:33:5); each setting of a pair may come from one place only",
    "43:15 authorizationPolicies[1].policy.default: authorization.default for calls to vision is already set by authorizationPolicies 'x' (fusion.yaml:40:15); each setting of a pair may come from one place only",
  ]);
});

test('every compiled field is enforced: a file writing them gets no not-enforced warning', () => {
  const text = file(`trafficPolicies:
  - name: canary
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            split: [{ backend: identity, weight: 90 }, { backend: identity-canary, weight: 10 }]
            sessionAffinity: { header: x-user }
`);
  assert.deepEqual(check(text), { errors: [], warnings: [] });
});

test('a dependency whose authorization does not admit its caller is a warning at the dependsOn entry', () => {
  const text = withServices(
    `  ai-kernel:
    port: 8001
    command: x
    dependsOn: [identity, vision]
  identity:
    port: 8002
    command: x
  vision:
    port: 8007
    command: x
`,
    `authorizationPolicies:
  - name: identity-callers
    selector: { matchLabels: { app: identity } }
    policy:
      allow:
        - clients: { services: [vision] }
  - name: vision-callers
    selector: { matchLabels: { app: vision } }
    policy:
      allow:
        - clients: { identities: ['*.default.serviceaccount.identity.cluster.local'] }
          routes: [{ path: { prefix: /images } }]
`,
  );
  assert.deepEqual(check(text), {
    errors: [],
    warnings: [
      '6:17 services.ai-kernel.dependsOn[0]: ai-kernel calls identity, but no authorizationPolicies rule of identity admits it (default deny): its calls will be refused with 403; add ai-kernel to the clients of a block selecting identity',
    ],
  });
});
