import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../load.ts';
import { check, POLICY_SERVICES, withServices } from '../../testing.ts';

function authorization(body: string): string {
  return withServices(POLICY_SERVICES, `authorizationPolicies:\n${body}`);
}

test('an authorization policy reads clients, routes and the default', () => {
  const text = authorization(`  - name: identity-callers
    selector: { matchLabels: { app: identity } }
    policy:
      default: audit
      allow:
        - clients: { services: [ai-kernel, api-gateway] }
          routes:
            - path: { prefix: /users }
              method: GET
        - clients:
            identities: ['*.default.serviceaccount.identity.cluster.local']
            unauthenticated: true
`);
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.config.authorizationPolicies, [
    {
      name: 'identity-callers',
      selector: { matchLabels: { app: 'identity' } },
      policy: {
        default: 'audit',
        allow: [
          {
            clients: { services: ['ai-kernel', 'api-gateway'] },
            routes: [{ path: { prefix: '/users' }, method: 'GET' }],
          },
          {
            clients: {
              identities: ['*.default.serviceaccount.identity.cluster.local'],
              unauthenticated: true,
            },
          },
        ],
      },
    },
  ]);
});

test('bad authorization values are reported with guesses', () => {
  const text = authorization(`  - name: a
    selector: { matchLabels: { app: identity } }
    policy:
      default: all-authenticted
      allow:
        - clients: { services: [ai-kernal], identities: ['bad identity', '*.ok.local'] }
        - clients: { unauthenticated: false }
        - clients: { service: [vision] }
          routes: []
`);
  assert.deepEqual(check(text).errors, [
    `26:16 authorizationPolicies[0].policy.default: expected one of deny, all-authenticated, all-unauthenticated, cluster-authenticated, cluster-unauthenticated, audit, got string "all-authenticted"; did you mean 'all-authenticated'?`,
    `28:58 authorizationPolicies[0].policy.allow[0].clients.identities[0]: expected an identity name, '*', or '*.' followed by a DNS name (such as *.default.serviceaccount.identity.cluster.local), got string "bad identity"`,
    "29:20 authorizationPolicies[0].policy.allow[1].clients: names no client; give 'services', 'identities' or 'unauthenticated: true'",
    "30:22 authorizationPolicies[0].policy.allow[2].clients: unknown key 'service'; did you mean 'services'?",
    '31:19 authorizationPolicies[0].policy.allow[2].routes: expected a non-empty list of a request match: path, method, headers and query parameters, all optional, got an empty list',
  ]);
});

test('authorized services must exist; an empty policy is refused rather than read as deny', () => {
  const unknown = authorization(`  - name: a
    selector: { matchLabels: { app: identity } }
    policy:
      allow: [{ clients: { services: [ai-kernal] } }]
`);
  assert.deepEqual(check(unknown).errors, [
    "26:39 authorizationPolicies[0].policy.allow[0].clients.services[0]: unknown service 'ai-kernal'; did you mean 'ai-kernel'?",
  ]);
  const empty = authorization(`  - name: a
    selector: { matchLabels: { app: identity } }
    policy: {}
`);
  assert.deepEqual(check(empty).errors, [
    "25:13 authorizationPolicies[0].policy: give 'allow' (who may call), 'default' (for everyone else), or both",
  ]);
});
