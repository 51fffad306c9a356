import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutboundPolicy, ServicePolicy } from '@fusion/mesh-types';
import { parseConfig } from '../load.ts';
import { compileText, POLICY_SERVICES, SEED_POLICIES, withServices } from '../testing.ts';
import { compilePolicies, PolicyConflictError } from './compile.ts';

const SEED_SERVICES = `  ai-kernel:
    port: 8001
    command: node kernel.js
  identity:
    port: 8002
    command: node identity.js
`;

const SEED_BREAKER = {
  maxConnections: 100,
  maxRequests: 1000,
  maxPendingRequests: 100,
  maxRetries: 3,
};

test("the seed's two blocks compile to ai-kernel's policy towards identity", () => {
  const policies = compileText(withServices(SEED_SERVICES, SEED_POLICIES));
  assert.deepEqual(Object.keys(policies), ['ai-kernel', 'identity']);
  const kernel = policies['ai-kernel']!;
  const expected: OutboundPolicy = {
    service: 'identity',
    tls: { mode: 'SIMPLE' },
    routes: [
      {
        name: 'default',
        match: { headers: [] },
        retries: {
          limit: 3,
          perTryTimeoutMs: 2000,
          retryOn: [{ min: 500, max: 599 }],
          retryOnGrpc: [14],
          nonIdempotent: false,
        },
        backends: [{ service: 'identity', weight: 1 }],
      },
    ],
    circuitBreaker: SEED_BREAKER,
  };
  assert.deepEqual(kernel.outbound.identity, expected);
  // The breaker has no `destination`, so it covers everything ai-kernel calls, itself included.
  assert.deepEqual(Object.keys(kernel.outbound), ['ai-kernel', 'identity']);
  assert.deepEqual(kernel.outbound['ai-kernel'], {
    service: 'ai-kernel',
    routes: [
      {
        name: 'default',
        match: { headers: [] },
        backends: [{ service: 'ai-kernel', weight: 1 }],
      },
    ],
    circuitBreaker: SEED_BREAKER,
  });
  assert.deepEqual(kernel.inbound, {
    authorization: { defaultPolicy: 'all-authenticated', rules: [] },
  });
  // identity calls nobody under these blocks, and is called under the mesh default.
  const identity = policies.identity!;
  assert.deepEqual(identity.outbound, {});
  assert.deepEqual(identity.inbound, kernel.inbound);
  assert.match(kernel.version, /^sha256:[0-9a-f]{16}$/);
});

test('a compiled policy survives JSON unchanged: the wire shape is plain data', () => {
  const policies = compileText(withServices(SEED_SERVICES, SEED_POLICIES));
  assert.deepEqual(JSON.parse(JSON.stringify(policies)), policies);
});

test('compiling is deterministic: same input, deep-equal output, same versions', () => {
  const text = withServices(POLICY_SERVICES, SEED_POLICIES.replaceAll('ai-kernel', 'vision'));
  const result = parseConfig(text, { file: 'fusion.yaml' });
  assert.ok(result.ok);
  const first = compilePolicies(result.config);
  const again = compilePolicies(structuredClone(result.config));
  assert.deepEqual(again, first);
  const versions = (p: Record<string, ServicePolicy>) => Object.values(p).map((s) => s.version);
  assert.deepEqual(versions(again.policies), versions(first.policies));
});

test('a version follows the content: changed by a change, not by moving blocks', () => {
  const version = (text: string) => compileText(withServices(SEED_SERVICES, text));
  const base = version(SEED_POLICIES);
  const changed = version(SEED_POLICIES.replace('attempts: 3', 'attempts: 2'));
  assert.notEqual(changed['ai-kernel']!.version, base['ai-kernel']!.version);
  // identity's own policy did not change, so neither did its version.
  assert.equal(changed.identity!.version, base.identity!.version);
  const [traffic, breakers] = SEED_POLICIES.split('\ncircuitBreakers:');
  const swapped = version(`\ncircuitBreakers:${breakers}${traffic}`);
  assert.deepEqual(swapped, base);
});

test('two services with the same policy content still have their own versions', () => {
  const policies = compileText(withServices(SEED_SERVICES, ''));
  assert.notEqual(policies['ai-kernel']!.version, policies.identity!.version);
});

test('compilePolicies refuses a config with conflicts, naming both places', () => {
  const result = parseConfig(withServices(SEED_SERVICES, SEED_POLICIES), { file: 'fusion.yaml' });
  assert.ok(result.ok);
  const twice = {
    ...result.config,
    circuitBreakers: [...result.config.circuitBreakers, result.config.circuitBreakers[0]!],
  };
  assert.throws(
    () => compilePolicies(twice),
    (error: unknown) =>
      error instanceof PolicyConflictError &&
      error.message ===
        'circuitBreakers[1].policy.maxConnections: circuitBreaker.maxConnections is already set by circuitBreakers[0].policy.maxConnections (and 7 more conflicts)',
  );
});
