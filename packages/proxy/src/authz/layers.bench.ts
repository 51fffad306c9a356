/**
 * What each access layer costs per request, alone, around a handler that answers at once: the
 * figures docs/performance.md states ("Access control cost"). Run it bundled, as a sidecar runs:
 *
 *   npx esbuild packages/proxy/src/authz/layers.bench.ts --bundle --platform=node \
 *     --format=esm --outfile=/tmp/access.mjs && node /tmp/access.mjs
 *
 * Not a test: it prints microseconds per request over the bare handler and asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InboundAuthorization, RateLimitPolicy } from '@fusion/mesh-types';
import { Registry } from '@fusion/telemetry';
import { AuditLog, auditor } from '../audit/index.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { rateLimitLayer } from '../ratelimit/index.ts';
import { authorizationLayer } from './layer.ts';

const REQUESTS = 300_000;
const KERNEL = 'ai-kernel.default.serviceaccount.identity.cluster.local';
const inner: HttpHandler = async () => emptyResponse(200);
const request = (): ProxyRequest => ({
  method: 'GET',
  authority: 'identity:8002',
  path: '/users/7',
  headers: new HeaderList(['accept', '*/*', 'user-agent', 'bench']),
  body: null,
  ctx: {
    startedAt: 0n,
    clientId: KERNEL,
    tls: true,
    peerAddress: '127.0.0.1',
    originalVersion: 'HTTP/2',
  },
});
const rules = (count: number): InboundAuthorization => ({
  defaultPolicy: 'deny',
  rules: Array.from({ length: count }, (_, i) => ({
    name: `callers[${i}]`,
    clients: {
      identities: [
        i === count - 1 ? KERNEL : `other-${i}.default.serviceaccount.identity.cluster.local`,
      ],
      unauthenticated: false,
    },
    routes: [],
  })),
});
const limits: RateLimitPolicy = {
  total: { requestsPerSecond: 1e9, burst: 1e9 },
  identity: { requestsPerSecond: 1e9, burst: 1e9 },
  overrides: [],
};
const dir = mkdtempSync(join(tmpdir(), 'fusion-access-bench-'));
const log = new AuditLog({ file: join(dir, 'audit.log'), capacity: REQUESTS * 2 });
const audit = auditor({ log, service: 'identity', instance: 'identity', allowedShare: 1 });
const authz = (authorization: InboundAuthorization, withAudit = false) =>
  authorizationLayer({
    authorization: () => authorization,
    fallback: 'all-authenticated',
    external: false,
    registry: new Registry(),
    ...(withAudit && { audit }),
  })(inner);

async function microsPerRequest(handler: HttpHandler): Promise<number> {
  for (let i = 0; i < REQUESTS / 10; i++) await handler(request());
  const started = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) await handler(request());
  return Number(process.hrtime.bigint() - started) / REQUESTS / 1000;
}

const cases: [string, HttpHandler][] = [
  ['authorization: default policy only', authz({ defaultPolicy: 'all-authenticated', rules: [] })],
  ['authorization: 1 rule', authz(rules(1))],
  ['authorization: 10 rules, the last admits', authz(rules(10))],
  ['authorization + audit of every allowed request', authz(rules(1), true)],
  [
    'rate limit: total + per identity',
    rateLimitLayer({ policy: () => limits, registry: new Registry() })(inner),
  ],
  [
    'rate limit: none configured',
    rateLimitLayer({ policy: () => undefined, registry: new Registry() })(inner),
  ],
];
const bare = await microsPerRequest(inner);
for (const [label, handler] of cases) {
  const cost = (await microsPerRequest(handler)) - bare;
  console.log(`${label.padEnd(48)} ${cost.toFixed(2)} µs per request`);
}
await log.close();
rmSync(dir, { recursive: true, force: true });
