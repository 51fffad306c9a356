import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicies } from '../../compile/index.ts';
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

const REPLICATED = `  identity:
    port: 8002
    command: x
    replicas: 3
  vision:
    port: 8007
    command: x
`;

test('a fault injection may name the replicas that inject it', () => {
  const text = withServices(
    REPLICATED,
    `faultInjections:
  - name: one-bad-replica
    selector: { matchLabels: { app: identity } }
    policy:
      abort: { percentage: 50, httpStatus: 503 }
      delay: { percentage: 10, fixedDelay: 1s }
      instances: [identity-2]
`,
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const inbound = compilePolicies(result.config).policies.identity!.inbound;
  assert.deepEqual(inbound.faultInjection, {
    abort: { percentage: 50, status: 503, instances: ['identity-2'] },
    delay: { percentage: 10, delayMs: 1000, instances: ['identity-2'] },
  });
});

test('a named replica must belong to a service the block selects', () => {
  const text = withServices(
    REPLICATED,
    `faultInjections:
  - name: f
    selector: { matchLabels: { app: identity } }
    policy:
      abort: { percentage: 50, httpStatus: 503 }
      instances: [identity-1, identity-3, vision]
  - name: g
    selector: { matchLabels: { app: vision } }
    policy:
      abort: { percentage: 50, httpStatus: 503 }
      instances: []
`,
  );
  assert.deepEqual(check(text).errors, [
    "15:31 faultInjections[0].policy.instances[1]: 'identity-3' is not a replica of the services this block selects (identity, identity-1, identity-2); did you mean 'identity-1'?",
    "15:43 faultInjections[0].policy.instances[2]: 'vision' is not a replica of the services this block selects (identity, identity-1, identity-2)",
    '20:18 faultInjections[1].policy.instances: expected a non-empty list of a non-empty string, got an empty list',
  ]);
});

test('a fault injection may be narrowed to routes and callers', () => {
  const text = withServices(
    REPLICATED,
    `faultInjections:
  - name: slow-users-for-vision
    selector: { matchLabels: { app: identity } }
    policy:
      delay: { percentage: 20, fixedDelay: 200ms }
      routes: [{ path: { prefix: /users }, method: GET }]
      clients: { services: [vision] }
`,
  );
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  assert.deepEqual(compilePolicies(result.config).policies.identity!.inbound.faultInjection, {
    delay: {
      percentage: 20,
      delayMs: 200,
      routes: [{ path: { kind: 'prefix', value: '/users' }, method: 'GET', headers: [] }],
      clients: {
        identities: ['vision.default.serviceaccount.identity.cluster.local'],
        unauthenticated: false,
      },
    },
  });
});
