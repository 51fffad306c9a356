/**
 * `GET /api/v1/identities`: the PKI in force and what the identity service has done with it.
 * The counts are read from the identity service's own metric families, so the API and
 * `/metrics` can never disagree about how many certificates were issued.
 */
import type { ApiCertificate, ApiIdentities } from '@fusion/mesh-types';
import { parseCertificates, type x509 } from '@fusion/pki';
import { Counter, type Registry } from '@fusion/telemetry';
import type { HeldEndpoint } from '../destination/registry.ts';
import type { CurrentIssuer } from '../identity/index.ts';
import { CERTIFY_REFUSAL_CODES } from '../identity/index.ts';

export interface IdentitiesSource {
  readonly trustDomain: string;
  issuer(): CurrentIssuer;
  /** Where identity_certify_total and identity_certify_refused_total live. */
  readonly registry: Registry;
  readonly controlPlane: { readonly identity: string; readonly destination: string };
  held(): HeldEndpoint[];
}

export function identitiesView(source: IdentitiesSource): ApiIdentities {
  const issuer = source.issuer();
  const refused: Record<string, number> = {};
  const refusals = source.registry.get('identity_certify_refused_total');
  for (const code of CERTIFY_REFUSAL_CODES) {
    refused[code] = refusals instanceof Counter ? refusals.labels(code).get() : 0;
  }
  const issued = source.registry.get('identity_certify_total');
  return {
    trustDomain: source.trustDomain,
    issuer: certificateOf(issuer.cert),
    anchors: parseCertificates(issuer.anchorsPem).map(certificateOf),
    certificates: { issued: issued instanceof Counter ? issued.get() : 0, refused },
    controlPlane: source.controlPlane,
    workloads: workloadsOf(source.held()),
  };
}

function certificateOf(cert: x509.X509Certificate): ApiCertificate {
  return {
    subject: cert.subject,
    serial: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}

function workloadsOf(held: readonly HeldEndpoint[]): ApiIdentities['workloads'] {
  const byIdentity = new Map<string, { identity: string; service: string; endpoints: number }>();
  for (const { service, endpoint } of held) {
    const entry = byIdentity.get(endpoint.identity);
    if (entry) entry.endpoints += 1;
    else byIdentity.set(endpoint.identity, { identity: endpoint.identity, service, endpoints: 1 });
  }
  return [...byIdentity.values()];
}
