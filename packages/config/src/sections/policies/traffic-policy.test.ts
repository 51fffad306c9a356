import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../load.ts';
import { check, withServices } from '../testing.ts';

const SERVICES = `  ai-kernel:
    port: 8001
    command: node kernel.js
  identity:
    port: 8002
    command: node identity.js
`;

// Verbatim from the seed, indentation and all.
const SEED_POLICIES = `
trafficPolicies:
  - name: ai-kernel-policy
    selector:
      matchLabels:
        app: ai-kernel
    policy:
      traffic:
        - destination:
            selector:
              matchLabels:
                app: identity
          policy:
            tls:
              mode: SIMPLE
            retries:
              attempts: 3
              perTryTimeout: 2s

circuitBreakers:
  - name: ai-kernel-cb
    selector:
      matchLabels:
        app: ai-kernel
    policy:
      maxConnections: 100
      maxRequests: 1000
      maxPendingRequests: 100
      maxRetries: 3
`;

test("the seed's policy blocks parse to the objects they describe", () => {
  const result = parseConfig(withServices(SERVICES, SEED_POLICIES), { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(result.config.trafficPolicies, [
    {
      name: 'ai-kernel-policy',
      selector: { matchLabels: { app: 'ai-kernel' } },
      policy: {
        traffic: [
          {
            destination: { selector: { matchLabels: { app: 'identity' } } },
            policy: { tls: { mode: 'SIMPLE' }, retries: { attempts: 3, perTryTimeoutMs: 2000 } },
          },
        ],
      },
    },
  ]);
  assert.deepEqual(result.config.circuitBreakers, [
    {
      name: 'ai-kernel-cb',
      selector: { matchLabels: { app: 'ai-kernel' } },
      policy: { maxConnections: 100, maxRequests: 1000, maxPendingRequests: 100, maxRetries: 3 },
    },
  ]);
});

test('each accepted block is a warning at the block: parsed, not enforced yet', () => {
  const result = parseConfig(withServices(SERVICES, SEED_POLICIES), { file: 'fusion.yaml' });
  assert.deepEqual(
    result.warnings.map((w) => [w.line, w.column, w.path, w.message]),
    [
      [
        11,
        5,
        'trafficPolicies[0]',
        "trafficPolicies 'ai-kernel-policy' parsed, not enforced yet (the sidecar proxy does not apply it yet)",
      ],
      [
        29,
        5,
        'circuitBreakers[0]',
        "circuitBreakers 'ai-kernel-cb' parsed, not enforced yet (the sidecar proxy does not apply it yet)",
      ],
    ],
  );
});

test('optional parts of a traffic rule may be left out', () => {
  const text = withServices(
    SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy: { retries: { attempts: 0 } }
`,
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok);
  assert.deepEqual(result.config.trafficPolicies[0]?.policy.traffic[0]?.policy, {
    retries: { attempts: 0 },
  });
});

test('bad values inside policies are reported with their full path', () => {
  const text = withServices(
    SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            tls: { mode: simple }
            retries: { attempts: 11, perTryTimeout: 2 }
circuitBreakers:
  - name: cb
    selector: {}
    policy: { maxConnections: -1, maxConections: 1 }
`,
  );
  assert.deepEqual(check(text).errors, [
    `16:26 trafficPolicies[0].policy.traffic[0].policy.tls.mode: expected one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL, got string "simple"; did you mean 'SIMPLE'?`,
    '17:34 trafficPolicies[0].policy.traffic[0].policy.retries.attempts: expected an integer from 0 to 10, got number 11',
    '17:53 trafficPolicies[0].policy.traffic[0].policy.retries.perTryTimeout: expected a duration of at least 1ms such as 500ms, 2s, 5m or 1h30m, got number 2; add a unit (ms, s, m or h)',
    "20:15 circuitBreakers[0].selector: missing required key 'matchLabels' (a mapping from names to values, each a string)",
    '21:31 circuitBreakers[0].policy.maxConnections: expected a non-negative integer, got number -1',
    "21:35 circuitBreakers[0].policy: unknown key 'maxConections'; did you mean 'maxConnections'?",
  ]);
});

test('a traffic policy needs at least one rule', () => {
  const text = withServices(
    SERVICES,
    'trafficPolicies:\n  - name: p\n    selector: { matchLabels: {} }\n    policy: { traffic: [] }\n',
  );
  assert.deepEqual(check(text).errors, [
    '12:24 trafficPolicies[0].policy.traffic: expected a non-empty list of a mapping, got an empty list',
  ]);
});
