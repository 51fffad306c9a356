import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundDefaultPolicy } from '@fusion/mesh-types';
import { admissionOf, isClusterAddress } from './admission.ts';

describe('admissionOf', () => {
  it('turns each default policy into what the listener and policy layer enforce', () => {
    const table: Record<InboundDefaultPolicy, string> = {
      deny: 'identity, deny all',
      'all-authenticated': 'identity',
      'cluster-authenticated': 'identity, cluster only',
      'all-unauthenticated': 'plain',
      'cluster-unauthenticated': 'plain, cluster only',
      audit: 'plain',
    };
    for (const [policy, expected] of Object.entries(table)) {
      assert.equal(describeAdmission(policy as InboundDefaultPolicy, false), expected, policy);
    }
  });

  it('lets outside callers into an external listener unless the policy is deny', () => {
    assert.equal(describeAdmission('all-authenticated', true), 'plain');
    assert.equal(describeAdmission('cluster-authenticated', true), 'plain');
    assert.equal(describeAdmission('deny', true), 'plain, deny all');
  });
});

describe('isClusterAddress', () => {
  it("knows Linkerd's cluster networks and loopback", () => {
    const inside = ['127.0.0.1', '127.0.0.9', '::1', '10.1.2.3', '172.20.0.5', '192.168.1.1'];
    const more = ['100.64.0.1', 'fd12::1', '::ffff:10.0.0.7'];
    for (const address of [...inside, ...more]) assert.ok(isClusterAddress(address), address);
    for (const address of ['8.8.8.8', '172.32.0.1', '2001:db8::1', undefined]) {
      assert.ok(!isClusterAddress(address), String(address));
    }
  });
});

function describeAdmission(policy: InboundDefaultPolicy, external: boolean): string {
  const admission = admissionOf(policy, external);
  assert.equal(admission.requireIdentity, !admission.acceptPlain, 'one or the other');
  return [
    admission.requireIdentity ? 'identity' : 'plain',
    ...(admission.clusterOnly ? ['cluster only'] : []),
    ...(admission.denyAll ? ['deny all'] : []),
  ].join(', ');
}
