import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallerSocket, callerOf } from './caller.ts';
import type { DestinationRefusal } from './refusal.ts';

const socket = (authorized: boolean, subjectaltname?: string): CallerSocket => ({
  authorized,
  authorizationError: authorized ? null : 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  getPeerCertificate: () => (subjectaltname === undefined ? {} : { subjectaltname }),
});

function refusal(s: CallerSocket): DestinationRefusal {
  try {
    callerOf(s, 'mesh.test');
  } catch (error) {
    return error as DestinationRefusal;
  }
  assert.fail('expected a refusal');
}

describe('callerOf', () => {
  it('reads the one workload identity of a verified certificate', () => {
    const caller = callerOf(
      socket(
        true,
        'DNS:ai-kernel.default.serviceaccount.identity.mesh.test, URI:spiffe://mesh.test/ns/default/sa/ai-kernel',
      ),
      'mesh.test',
    );
    assert.equal(caller.service, 'ai-kernel');
    assert.equal(caller.name, 'ai-kernel.default.serviceaccount.identity.mesh.test');
  });

  it('refuses no certificate, an unverified one, and one naming no single identity of ours', () => {
    assert.equal(refusal(socket(false)).code, 'client-certificate-required');
    const unverified = refusal(
      socket(false, 'DNS:ai-kernel.default.serviceaccount.identity.mesh.test'),
    );
    assert.equal(unverified.code, 'client-identity-invalid');
    assert.match(unverified.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    assert.match(
      refusal(socket(true, 'DNS:ai-kernel.default.serviceaccount.identity.other.domain')).message,
      /exactly one workload identity in trust domain mesh\.test; it names 'ai-kernel\.default/,
    );
    assert.equal(
      refusal(
        socket(
          true,
          'DNS:a.default.serviceaccount.identity.mesh.test, DNS:b.default.serviceaccount.identity.mesh.test',
        ),
      ).code,
      'client-identity-invalid',
    );
    assert.match(refusal(socket(true, 'URI:spiffe://mesh.test/x')).message, /it names none$/);
  });
});
