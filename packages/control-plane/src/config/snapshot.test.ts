import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
import { changedPolicies, firstSnapshot, nextReload, restartNeeded } from './snapshot.ts';

const BASE = `version: 1
services:
  gateway: { port: 18000, command: x, external: true }
  orders: { port: 18001, command: x }
  billing: { port: 18002, command: x }
`;
const RETRIES = `circuitBreakers:
  - name: orders-breaker
    selector: { matchLabels: { app: gateway } }
    destination: { selector: { matchLabels: { app: orders } } }
    policy: { maxRequests: 10 }
`;
const T0 = new Date('2026-12-02T10:00:00Z');
const T1 = new Date('2026-12-02T10:05:00Z');

function parse(text: string) {
  return parseConfig(text, { file: '/etc/fusion.yaml' });
}

function valid(text: string): FusionConfig {
  const result = parse(text);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.config;
}

describe('config snapshots', () => {
  const first = firstSnapshot(valid(BASE), [], '/etc/fusion.yaml', T0);

  it('generation 1 carries a content version, the file, and a policy per service', () => {
    assert.equal(first.version.generation, 1);
    assert.match(first.version.hash, /^sha256:[0-9a-f]{16}$/);
    assert.equal(first.version.file, '/etc/fusion.yaml');
    assert.equal(first.version.loadedAt, T0.toISOString());
    assert.deepEqual(Object.keys(first.policies), ['gateway', 'orders', 'billing']);
    assert.deepEqual(first.restartRequired, []);
  });

  it('a policy change is the next generation and names only the caller whose policy changed', () => {
    const outcome = nextReload(first, first.config, parse(BASE + RETRIES), T1);
    assert.equal(outcome.kind, 'applied');
    if (outcome.kind !== 'applied') return;
    assert.equal(outcome.snapshot.version.generation, 2);
    assert.equal(outcome.snapshot.version.loadedAt, T1.toISOString());
    assert.notEqual(outcome.snapshot.version.hash, first.version.hash);
    assert.deepEqual(outcome.changedPolicies, ['gateway']);
    assert.equal(
      outcome.snapshot.policies.orders!.version,
      first.policies.orders!.version,
      'the callee is untouched: the breaker is applied by its caller',
    );
    assert.deepEqual(outcome.snapshot.restartRequired, [], 'policy is applied live');
  });

  it('comments and key order make no new generation', () => {
    const reordered = `# a comment\nservices:\n  gateway: { command: x, port: 18000, external: true }\n  orders: { port: 18001, command: x }\n  billing: { port: 18002, command: x }\nversion: 1\n`;
    assert.deepEqual(nextReload(first, first.config, parse(reordered), T1), { kind: 'unchanged' });
  });

  it('an invalid file is refused with every diagnostic, positions included', () => {
    const broken = BASE.replace('port: 18001', 'port: eighty').replace(
      'command: x }\n  billing',
      'command: x, bogus: 1 }\n  billing',
    );
    const outcome = nextReload(first, first.config, parse(broken), T1);
    assert.equal(outcome.kind, 'refused');
    if (outcome.kind !== 'refused') return;
    assert.equal(outcome.refusal.at, T1.toISOString());
    assert.deepEqual(
      outcome.refusal.errors.map((e) => [e.file, e.line, e.path]),
      [
        ['/etc/fusion.yaml', 4, 'services.orders.port'],
        ['/etc/fusion.yaml', 4, 'services.orders.bogus'],
      ],
    );
  });

  it('settings the control plane read once at start are listed, against generation 1', () => {
    const next = valid(
      `${BASE}  search: { port: 18003, command: x }\ncontrolPlane:\n  api: { port: 9184 }\nmesh:\n  trustDomain: other.test\n  defaultInboundPolicy: deny\n`,
    );
    // A new service is `fusion up`'s to start; the inbound default travels in the policy.
    assert.deepEqual(restartNeeded(first.config, next), [
      'mesh.trustDomain',
      'controlPlane.api.port',
    ]);
    // Compared with what runs, not with the previous generation: going back clears the list.
    assert.deepEqual(restartNeeded(first.config, first.config), []);
  });

  it('changedPolicies names added, changed and removed services', () => {
    const v = (version: string) => ({ version }) as never;
    assert.deepEqual(
      changedPolicies(
        { a: v('1'), b: v('2'), gone: v('3') },
        { a: v('1'), b: v('9'), new: v('4') },
      ),
      ['b', 'new', 'gone'],
    );
  });
});
