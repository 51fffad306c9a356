import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InboundAuthorization, RateLimitPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import type { Audit, AuditDecision } from '../audit/index.ts';
import type { ProxyError } from '../errors/proxy-error.ts';
import { rescueLayer } from '../errors/rescue.ts';
import { HeaderList } from '../http/headers.ts';
import { fakeRequest, recordingHandler } from '../inbound/testing/stubs.ts';
import { rateLimitLayer } from '../ratelimit/index.ts';
import { authorizationLayer, PROBE_AUTHORIZATION } from './layer.ts';

const id = (service: string) => `${service}.default.serviceaccount.identity.cluster.local`;
const KERNEL = id('ai-kernel');
const VISION = id('vision');
const CONTROL_PLANE = 'linkerd-destination.linkerd.serviceaccount.identity.cluster.local';

function recordingAudit() {
  const records: { decision: AuditDecision; policy: string; caller: string; reason?: string }[] =
    [];
  const audit: Audit = {
    request: (request, decision, policy, reason) =>
      records.push({
        decision,
        policy,
        caller: request.ctx.clientId ?? 'unauthenticated',
        ...(reason && { reason }),
      }),
    connection: () => {},
  };
  return { audit, records };
}

const onlyKernel: InboundAuthorization = {
  defaultPolicy: 'deny',
  rules: [
    {
      name: 'identity-callers[0]',
      clients: { identities: [KERNEL], unauthenticated: false },
      routes: [],
    },
  ],
};

describe('authorizationLayer', () => {
  it('admits and refuses by the policy pushed now, counts and audits both', async () => {
    const app = recordingHandler();
    const registry = new Registry();
    const { audit, records } = recordingAudit();
    let current: InboundAuthorization | undefined = onlyKernel;
    const handler = authorizationLayer({
      authorization: () => current,
      fallback: 'all-authenticated',
      external: false,
      registry,
      audit,
    })(app.handler);
    assert.equal((await handler(fakeRequest({}, { clientId: KERNEL, tls: true }))).status, 200);
    await assert.rejects(
      handler(fakeRequest({}, { clientId: VISION, tls: true })),
      (e: ProxyError) => {
        assert.equal(e.code, 'UNAUTHORIZED');
        assert.equal(e.message, `${VISION} is not authorized by default:deny`);
        return true;
      },
    );
    assert.equal(app.received.length, 1, 'the refused request never reached the app');
    // The next push admits vision too: the next request is decided by it.
    current = {
      ...onlyKernel,
      rules: [
        ...onlyKernel.rules,
        {
          name: 'vision-too[0]',
          clients: { identities: [VISION], unauthenticated: false },
          routes: [],
        },
      ],
    };
    assert.equal((await handler(fakeRequest({}, { clientId: VISION, tls: true }))).status, 200);
    // Before any push, the sidecar's own default policy decides.
    current = undefined;
    assert.equal((await handler(fakeRequest({}, { clientId: VISION, tls: true }))).status, 200);
    await assert.rejects(handler(fakeRequest()), { code: 'UNAUTHORIZED' });

    const scrape = registry.expose();
    assert.match(
      scrape,
      new RegExp(
        `inbound_http_authz_allow_total\\{authz_name="identity-callers\\[0\\]",tls="true",client_id="${KERNEL}"\\} 1`,
      ),
    );
    assert.match(
      scrape,
      new RegExp(
        `inbound_http_authz_deny_total\\{authz_name="default:deny",tls="true",client_id="${VISION}"\\} 1`,
      ),
    );
    assert.match(
      scrape,
      /inbound_http_authz_deny_total\{authz_name="default:all-authenticated",tls="no_identity"\} 1/,
    );
    assert.deepEqual(
      records.map((r) => `${r.decision} ${r.policy} ${r.caller}`),
      [
        `allow identity-callers[0] ${KERNEL}`,
        `deny default:deny ${VISION}`,
        `allow vision-too[0] ${VISION}`,
        `allow default:all-authenticated ${VISION}`,
        'deny default:all-authenticated unauthenticated',
      ],
    );
  });

  it("always admits the control plane's readiness probes, and nothing else of its", async () => {
    const app = recordingHandler();
    const handler = authorizationLayer({
      authorization: () => onlyKernel,
      fallback: 'all-authenticated',
      external: false,
      registry: new Registry(),
      controlPlaneIdentity: CONTROL_PLANE,
    })(app.handler);
    const probe = fakeRequest({}, { clientId: CONTROL_PLANE, tls: true });
    assert.equal((await handler(probe)).status, 200);
    await assert.rejects(handler({ ...probe, method: 'POST' }), { code: 'UNAUTHORIZED' });
    assert.equal(PROBE_AUTHORIZATION, 'control-plane-probe');
  });

  it('answers a refused gRPC call PERMISSION_DENIED through the rescue layer', async () => {
    const handler = rescueLayer()(
      authorizationLayer({
        authorization: () => onlyKernel,
        fallback: 'all-authenticated',
        external: false,
        registry: new Registry(),
      })(recordingHandler().handler),
    );
    const call = {
      ...fakeRequest({}, { clientId: VISION, tls: true }),
      headers: new HeaderList(['content-type', 'application/grpc']),
    };
    const response = await handler(call);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('grpc-status'), '7');
  });
});

describe('rateLimitLayer', () => {
  it('answers 429 with Retry-After beyond the limit, counts and audits it, keeps the rest going', async () => {
    const app = recordingHandler();
    const registry = new Registry();
    const { audit, records } = recordingAudit();
    let now = 0;
    let policy: RateLimitPolicy | undefined = {
      identity: { requestsPerSecond: 2, burst: 2 },
      overrides: [],
    };
    const handler = rescueLayer()(
      rateLimitLayer({ policy: () => policy, registry, audit, now: () => now })(app.handler),
    );
    const fromKernel = () => fakeRequest({}, { clientId: KERNEL, tls: true });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await handler(fromKernel())).status);
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    const refused = await handler(fromKernel());
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(
      refused.headers.get('l5d-proxy-error') ?? '',
      /^RATE_LIMITED: the identity rate limit/,
    );
    now = 500;
    assert.equal((await handler(fromKernel())).status, 200, 'one interval later, one more');
    assert.equal((await handler(fakeRequest({}, { clientId: VISION, tls: true }))).status, 200);
    assert.match(
      registry.expose(),
      /inbound_http_local_ratelimit_total\{ratelimit_scope="identity"\} 3/,
    );
    assert.equal(records.filter((r) => r.policy === 'ratelimit:identity').length, 3);
    // A pushed change replaces the limiter: no limit, nothing refused.
    policy = undefined;
    for (let i = 0; i < 10; i++) assert.equal((await handler(fromKernel())).status, 200);
  });
});
