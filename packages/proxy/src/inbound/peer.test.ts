import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { factsOf, inboundLabels } from './peer.ts';
import { CALLER_ID, fakeRequest } from './testing/index.ts';

const socket = (encrypted: boolean, authorized: boolean, subjectaltname?: string) => ({
  encrypted,
  authorized,
  getPeerCertificate: () => ({ subjectaltname }),
});

describe('factsOf', () => {
  it("takes the caller's identity from the DNS SAN of a verified certificate", () => {
    const san = `URI:spiffe://cluster.local/ns/default/sa/api-gateway, DNS:${CALLER_ID}`;
    assert.deepEqual(factsOf(socket(true, true, san)), { clientId: CALLER_ID, tls: true });
  });

  it('names no identity for an unverified certificate, none, or a plain connection', () => {
    assert.deepEqual(factsOf(socket(true, false, `DNS:${CALLER_ID}`)), {
      clientId: undefined,
      tls: true,
    });
    assert.deepEqual(factsOf(socket(true, true)), { clientId: undefined, tls: true });
    assert.deepEqual(factsOf(socket(false, false)), { clientId: undefined, tls: false });
  });
});

describe('inboundLabels', () => {
  it("labels like Linkerd's inbound, one shared label set per caller", () => {
    const labelsOf = inboundLabels();
    const meshed = labelsOf(fakeRequest({}, { clientId: CALLER_ID, tls: true }));
    assert.deepEqual(meshed, { direction: 'inbound', tls: 'true', clientId: CALLER_ID });
    assert.equal(labelsOf(fakeRequest({}, { clientId: CALLER_ID, tls: true })), meshed);
    assert.deepEqual(labelsOf(fakeRequest()), {
      direction: 'inbound',
      tls: 'no_identity',
      noTlsReason: 'no_tls_from_remote',
    });
  });
});
