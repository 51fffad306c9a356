import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InboundPolicy } from '@fusion/mesh-types';
import { compileText, POLICY_SERVICES, withServices } from '../testing.ts';

const MESH =
  'mesh:\n  namespace: prod\n  trustDomain: example.org\n  defaultInboundPolicy: all-unauthenticated\n';

function file(blocks: string): string {
  return `version: 1\n${MESH}services:\n${POLICY_SERVICES}${blocks}`;
}

const id = (service: string) => `${service}.prod.serviceaccount.identity.example.org`;

test('authorization: services become identities; naming callers denies everyone else', () => {
  const policies = compileText(
    file(`authorizationPolicies:
  - name: identity-callers
    selector: { matchLabels: { app: identity } }
    policy:
      allow:
        - clients: { services: [ai-kernel, api-gateway], identities: ['*.ops.example.org'] }
          routes:
            - path: { prefix: /users }
              method: GET
        - clients: { unauthenticated: true }
          routes: [{ path: { exact: /health } }]
`),
  );
  assert.deepEqual(policies.identity!.inbound.authorization, {
    defaultPolicy: 'deny',
    rules: [
      {
        name: 'identity-callers[0]',
        clients: {
          identities: [id('ai-kernel'), id('api-gateway'), '*.ops.example.org'],
          unauthenticated: false,
        },
        routes: [{ path: { kind: 'prefix', value: '/users' }, method: 'GET', headers: [] }],
      },
      {
        name: 'identity-callers[1]',
        clients: { identities: [], unauthenticated: true },
        routes: [{ path: { kind: 'exact', value: '/health' }, headers: [] }],
      },
    ],
  });
  // Services no block selects keep the mesh's default.
  assert.deepEqual(policies.vision!.inbound.authorization, {
    defaultPolicy: 'all-unauthenticated',
    rules: [],
  });
});

test('authorization rules from several blocks add up; a written default wins over deny', () => {
  const policies = compileText(
    file(`authorizationPolicies:
  - name: core-from-kernel
    selector: { matchLabels: { tier: core } }
    policy:
      default: audit
      allow: [{ clients: { services: [ai-kernel] } }]
  - name: vision-from-gateway
    selector: { matchLabels: { app: vision } }
    policy:
      allow: [{ clients: { services: [api-gateway] } }]
`),
  );
  const vision = policies.vision!.inbound.authorization;
  assert.equal(vision.defaultPolicy, 'audit');
  assert.deepEqual(
    vision.rules.map((r) => [r.name, r.clients.identities]),
    [
      ['core-from-kernel[0]', [id('ai-kernel')]],
      ['vision-from-gateway[0]', [id('api-gateway')]],
    ],
  );
  assert.equal(policies.identity!.inbound.authorization.rules.length, 1);
});

test('rate limits: a burst left out is one second of the rate; overrides by identity', () => {
  const policies = compileText(
    file(`rateLimits:
  - name: l
    selector: { matchLabels: { app: identity } }
    policy:
      total: { requestsPerSecond: 1000, burst: 1500 }
      identity: { requestsPerSecond: 100 }
      overrides:
        - requestsPerSecond: 500
          clients: { services: [ai-kernel], identities: [ops.example.org] }
`),
  );
  assert.deepEqual(policies.identity!.inbound.rateLimit, {
    total: { requestsPerSecond: 1000, burst: 1500 },
    identity: { requestsPerSecond: 100, burst: 100 },
    overrides: [
      { requestsPerSecond: 500, burst: 500, identities: [id('ai-kernel'), 'ops.example.org'] },
    ],
  });
});

test('fault injection keeps percentages as written and converts the delay', () => {
  const policies = compileText(
    file(`faultInjections:
  - name: chaos
    selector: { matchLabels: { tier: core } }
    policy:
      abort: { percentage: 12.5, httpStatus: 503 }
  - name: slow-vision
    selector: { matchLabels: { app: vision } }
    policy:
      delay: { percentage: 50, fixedDelay: 1.5s }
`),
  );
  const vision: InboundPolicy = {
    authorization: { defaultPolicy: 'all-unauthenticated', rules: [] },
    faultInjection: {
      abort: { percentage: 12.5, status: 503 },
      delay: { percentage: 50, delayMs: 1500 },
    },
  };
  assert.deepEqual(policies.vision!.inbound, vision);
  assert.deepEqual(policies.identity!.inbound.faultInjection, {
    abort: { percentage: 12.5, status: 503 },
  });
  assert.equal(policies['api-gateway']!.inbound.faultInjection, undefined);
});

test('the default inbound policy comes from the mesh settings when nothing is written', () => {
  const policies = compileText(withServices(POLICY_SERVICES));
  for (const policy of Object.values(policies)) {
    assert.deepEqual(policy.inbound, {
      authorization: { defaultPolicy: 'all-authenticated', rules: [] },
    });
    assert.deepEqual(policy.outbound, {});
  }
});
