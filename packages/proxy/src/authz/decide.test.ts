import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundAuthorization, InboundDefaultPolicy } from '@fusion/mesh-types';
import { fakeRequest } from '../inbound/testing/stubs.ts';
import { clientMatches, decide, decideConnection } from './decide.ts';

const id = (service: string) => `${service}.default.serviceaccount.identity.cluster.local`;
const KERNEL = id('ai-kernel');
const VISION = id('vision');
const inCluster = (clientId: string | undefined) => ({ clientId, peerAddress: '127.0.0.1' });
const outside = (clientId: string | undefined) => ({ clientId, peerAddress: '203.0.113.9' });

const identityCallers: InboundAuthorization = {
  defaultPolicy: 'deny',
  rules: [
    {
      name: 'identity-callers[0]',
      clients: { identities: [KERNEL], unauthenticated: false },
      routes: [{ path: { kind: 'prefix', value: '/users' }, method: 'GET', headers: [] }],
    },
    {
      name: 'identity-callers[1]',
      clients: { identities: ['*.ops.example.org'], unauthenticated: false },
      routes: [],
    },
  ],
};

describe('decide', () => {
  it('admits by the first rule whose clients and routes both match, naming it', () => {
    const get = { ...fakeRequest(), method: 'GET', path: '/users/7?full=1' };
    assert.deepEqual(decide(identityCallers, inCluster(KERNEL), get, false), {
      allowed: true,
      by: 'identity-callers[0]',
    });
    const post = { ...get, method: 'POST' };
    assert.deepEqual(decide(identityCallers, inCluster(KERNEL), post, false), {
      allowed: false,
      by: 'default:deny',
    });
    const other = { ...get, path: '/usersettings' };
    assert.equal(decide(identityCallers, inCluster(KERNEL), other, false).allowed, false);
    assert.equal(decide(identityCallers, inCluster(VISION), get, false).allowed, false);
    const ops = decide(identityCallers, inCluster('alice.ops.example.org'), post, false);
    assert.deepEqual(ops, { allowed: true, by: 'identity-callers[1]' });
  });

  it("applies each default policy with Linkerd's meaning", () => {
    const request = fakeRequest();
    const cases: [InboundDefaultPolicy, string | undefined, boolean, boolean][] = [
      // policy, client, from the cluster's networks, admitted
      ['deny', KERNEL, true, false],
      ['all-authenticated', KERNEL, false, true],
      ['all-authenticated', undefined, true, false],
      ['all-unauthenticated', undefined, false, true],
      ['cluster-authenticated', KERNEL, true, true],
      ['cluster-authenticated', KERNEL, false, false],
      ['cluster-authenticated', undefined, true, false],
      ['cluster-unauthenticated', undefined, true, true],
      ['cluster-unauthenticated', undefined, false, false],
      ['audit', undefined, false, true],
    ];
    for (const [policy, client, cluster, admitted] of cases) {
      const caller = cluster ? inCluster(client) : outside(client);
      const decision = decide({ defaultPolicy: policy, rules: [] }, caller, request, false);
      assert.equal(decision.allowed, admitted, `${policy} ${client} ${cluster}`);
      assert.equal(decision.by, `default:${policy}`);
    }
  });

  it('lets the public into the external gateway under any default but deny', () => {
    const request = fakeRequest();
    const caller = outside(undefined);
    for (const policy of ['all-authenticated', 'cluster-authenticated'] as const) {
      assert.equal(
        decide({ defaultPolicy: policy, rules: [] }, caller, request, true).allowed,
        true,
      );
    }
    assert.equal(
      decide({ defaultPolicy: 'deny', rules: [] }, caller, request, true).allowed,
      false,
    );
  });

  it('admits callers without a certificate only by a rule that says unauthenticated', () => {
    const gateway: InboundAuthorization = {
      defaultPolicy: 'deny',
      rules: [
        { name: 'public[0]', clients: { identities: [], unauthenticated: true }, routes: [] },
      ],
    };
    assert.equal(decide(gateway, outside(undefined), fakeRequest(), true).allowed, true);
    assert.equal(decide(gateway, inCluster(KERNEL), fakeRequest(), true).allowed, false);
  });

  it('matches identities exactly, by `*`, or by `*.suffix` on a label boundary', () => {
    const match = (pattern: string, clientId: string | undefined) =>
      clientMatches({ identities: [pattern], unauthenticated: false }, clientId);
    assert.equal(match(KERNEL, KERNEL), true);
    assert.equal(match('*', KERNEL), true);
    assert.equal(match('*', undefined), false, '`*` is any meshed caller, not anybody');
    assert.equal(match('*.serviceaccount.identity.cluster.local', KERNEL), true);
    assert.equal(match('*.identity.cluster.local', 'evil-identity.cluster.local'), false);
  });

  it('decides an opaque connection by the rules without routes only', () => {
    assert.equal(decideConnection(identityCallers, inCluster(KERNEL), false).allowed, false);
    const ops = decideConnection(identityCallers, inCluster('db.ops.example.org'), false);
    assert.deepEqual(ops, { allowed: true, by: 'identity-callers[1]' });
  });
});
