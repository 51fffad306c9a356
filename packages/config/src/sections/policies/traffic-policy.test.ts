import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../load.ts';
import { check, POLICY_SERVICES, SEED_POLICIES, withServices } from '../../testing.ts';

const SERVICES = `  ai-kernel:
    port: 8001
    command: node kernel.js
  identity:
    port: 8002
    command: node identity.js
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

test("the seed's blocks are enforced as written: no error, no warning", () => {
  assert.deepEqual(check(withServices(SERVICES, SEED_POLICIES)), { errors: [], warnings: [] });
});

test('tls.mode DISABLE is an error at its line: mesh traffic is always mutual TLS', () => {
  const text = withServices(SERVICES, SEED_POLICIES.replace('mode: SIMPLE', 'mode: DISABLE'));
  const { errors } = check(text);
  assert.equal(errors.length, 1);
  assert.match(
    errors[0] as string,
    /^23:21 trafficPolicies\[0\]\.policy\.traffic\[0\]\.policy\.tls\.mode: DISABLE would send plaintext between sidecars, and mesh traffic is always mutual TLS/,
  );
  for (const mode of ['SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']) {
    const ok = check(
      withServices(SERVICES, SEED_POLICIES.replace('mode: SIMPLE', `mode: ${mode}`)),
    );
    assert.deepEqual(ok.errors, [], mode);
  }
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

test('every key of a traffic rule is read, durations converted, nothing defaulted', () => {
  const text = withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: kernel-to-identity
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
            tls: { mode: ISTIO_MUTUAL }
            timeout: 10s
            retries:
              attempts: 2
              perTryTimeout: 1500ms
              retryOn: [gateway-error, 429, 500-501, unavailable, resource-exhausted]
            retryBudget: { retryRatio: 0.1, minRetriesPerSecond: 5, ttl: 30s }
            split:
              - backend: identity
                weight: 90
              - backend: identity-canary
                weight: 10
            sessionAffinity:
              cookie: { name: fusion-session, ttl: 1h }
            routes:
              - name: canary-testers
                match:
                  path: { prefix: /users }
                  method: GET
                  headers: { X-Canary: "true" }
                timeout: 3s
                split: [{ backend: identity-canary }]
              - name: login
                match: { path: { exact: /login } }
                retries: { attempts: 0 }
`,
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(result.config.trafficPolicies[0]?.policy.traffic[0]?.policy, {
    tls: { mode: 'ISTIO_MUTUAL' },
    timeoutMs: 10_000,
    retries: {
      attempts: 2,
      perTryTimeoutMs: 1500,
      retryOn: [
        { min: 502, max: 504 },
        { min: 429, max: 429 },
        { min: 500, max: 501 },
        { grpcStatus: 14 },
        { grpcStatus: 8 },
      ],
    },
    retryBudget: { retryRatio: 0.1, minRetriesPerSecond: 5, ttlMs: 30_000 },
    split: [
      { backend: 'identity', weight: 90 },
      { backend: 'identity-canary', weight: 10 },
    ],
    sessionAffinity: { cookie: { name: 'fusion-session', ttlMs: 3_600_000 } },
    routes: [
      {
        name: 'canary-testers',
        match: { path: { prefix: '/users' }, method: 'GET', headers: { 'X-Canary': 'true' } },
        timeoutMs: 3000,
        split: [{ backend: 'identity-canary' }],
      },
      { name: 'login', match: { path: { exact: '/login' } }, retries: { attempts: 0 } },
    ],
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

/** One rule from ai-kernel to identity with `policy` as given (indented by the caller). */
function rule(policy: string): string {
  return withServices(
    POLICY_SERVICES,
    `trafficPolicies:
  - name: p
    selector: { matchLabels: { app: ai-kernel } }
    policy:
      traffic:
        - destination: { selector: { matchLabels: { app: identity } } }
          policy:
${policy}`,
  );
}

const AT = 'trafficPolicies[0].policy.traffic[0].policy';

test('the new keys of a rule explain what they accept, with guesses', () => {
  const text = rule(`            timeout: 10
            retries: { attempts: 1, retryOn: [5xxx, 600, 504-502] }
            retryBudget: { retryRatio: -1, ttl: 500ms, minRetries: 1 }
            sessionAffinity: { header: x-user, cookie: { name: s } }
            tiemout: 1s
`);
  assert.deepEqual(check(text).errors, [
    `29:22 ${AT}.timeout: expected a duration of at least 1ms such as 500ms, 2s, 5m or 1h30m, got number 10; add a unit (ms, s, m or h)`,
    `30:47 ${AT}.retries.retryOn[0]: expected a retry condition: '5xx', 'gateway-error', a status such as 503, a range such as 500-504, or a gRPC status: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, got string "5xxx"`,
    `30:53 ${AT}.retries.retryOn[1]: expected a retry condition: '5xx', 'gateway-error', a status such as 503, a range such as 500-504, or a gRPC status: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, got number 600`,
    `30:58 ${AT}.retries.retryOn[2]: expected a retry condition: '5xx', 'gateway-error', a status such as 503, a range such as 500-504, or a gRPC status: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, got string "504-502"`,
    `31:40 ${AT}.retryBudget.retryRatio: expected a number of at least 0, got number -1`,
    `31:49 ${AT}.retryBudget.ttl: must be at least 1s, got 500ms`,
    `31:56 ${AT}.retryBudget: unknown key 'minRetries'; did you mean 'minRetriesPerSecond'?`,
    `32:48 ${AT}.sessionAffinity.cookie: give either 'header' or 'cookie', not both`,
    `33:13 ${AT}: unknown key 'tiemout'; did you mean 'timeout'?`,
  ]);
});

test('session affinity needs a header or a cookie', () => {
  assert.deepEqual(check(rule('            sessionAffinity: {}\n')).errors, [
    `29:30 ${AT}.sessionAffinity: missing 'header' or 'cookie'; give one`,
  ]);
  assert.deepEqual(check(rule('            sessionAffinity: { header: "x user" }\n')).errors, [
    `29:40 ${AT}.sessionAffinity.header: expected an HTTP header name (letters, digits and !#$%&'*+-.^_\`|~), got string "x user"`,
  ]);
});

test('a per-try timeout not below the request timeout is a warning, at the per-try timeout', () => {
  const text = rule(`            timeout: 2s
            retries: { attempts: 1, perTryTimeout: 2s }
            routes:
              - name: slow
                match: { path: { prefix: /slow } }
                timeout: 1s
`);
  const { errors, warnings } = check(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    warnings.filter((w) => w.includes('no retry')),
    [
      `30:52 ${AT}.retries.perTryTimeout: perTryTimeout 2s is not below the request timeout 2s, so no retry can start in time`,
      `34:26 ${AT}.routes[0].timeout: perTryTimeout 2s is not below the request timeout 1s, so no retry can start in time`,
    ],
  );
});
