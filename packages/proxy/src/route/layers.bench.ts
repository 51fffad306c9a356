/**
 * What each resilience layer costs per request, alone, around a handler that answers at once:
 * the figure each layer states in docs/performance.md ("Resilience policy cost"). Run it bundled,
 * as a sidecar runs (tsx wraps every closure in a naming helper, which would dominate):
 *
 *   npx esbuild packages/proxy/src/route/layers.bench.ts --bundle --platform=node \
 *     --format=esm --outfile=/tmp/layers.mjs && node /tmp/layers.mjs
 *
 * Not a test: it prints microseconds per request over the bare handler and asserts nothing.
 */
import type { OutboundPolicy } from '@fusion/mesh-types';
import { Registry, Tracer } from '@fusion/telemetry';
import type { NewBalancer } from '../balance/index.ts';
import { CircuitBreaker } from '../breaker/index.ts';
import { HeaderList } from '../http/headers.ts';
import { emptyResponse, type HttpHandler, type ProxyRequest } from '../http/message.ts';
import { RetryBudget, retryLayer } from '../retry/index.ts';
import { deadlineLayer } from '../timeout/index.ts';
import { traceLayer } from '../trace/index.ts';
import { affinityLayer } from './affinity.ts';
import { resilienceMetrics } from './metrics.ts';
import { mirrorLayer } from './mirror.ts';
import { routeStage } from './routes.ts';
import { splitBackends } from './split.ts';

const REQUESTS = 300_000;
const inner: HttpHandler = async () => emptyResponse(200);
const breaker = new CircuitBreaker({ service: 'identity', policy: { maxRequests: 10_000 } });
const budget = new RetryBudget({ retryRatio: 0.2, minRetriesPerSecond: 10, ttlMs: 10_000 });
const retries = (perTryTimeoutMs?: number) =>
  retryLayer({
    policy: {
      limit: 2,
      ...(perTryTimeoutMs ? { perTryTimeoutMs } : {}),
      retryOn: [{ min: 500, max: 599 }],
      retryOnGrpc: [],
      nonIdempotent: false,
    },
    budget,
    breaker,
    describe: 'route default to identity',
  });

const request = (fields: string[] = []): ProxyRequest => ({
  method: 'GET',
  authority: 'identity',
  path: '/v1/whoami',
  headers: new HeaderList(['accept', '*/*', 'user-agent', 'bench', ...fields]),
  body: null,
  ctx: { startedAt: 0n, clientId: undefined, tls: true, originalVersion: 'HTTP/1.1' },
});
const plain = () => request();
const carrying = () => request(['fusion-timeout-ms', '9999']);

async function microsPerRequest(handler: HttpHandler, make: () => ProxyRequest): Promise<number> {
  for (let i = 0; i < REQUESTS / 10; i++) await handler(make());
  const started = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) await handler(make());
  return Number(process.hrtime.bigint() - started) / REQUESTS / 1000;
}

const cases: [string, HttpHandler, () => ProxyRequest][] = [
  [
    'deadline: route timeout 10 s',
    deadlineLayer({ timeoutMs: 10_000, describe: 'r' })(inner),
    plain,
  ],
  [
    'deadline: a budget carried in (inbound)',
    deadlineLayer({ describe: 'the app' })(inner),
    carrying,
  ],
  ['deadline: nothing to enforce', deadlineLayer({ describe: 'the app' })(inner), plain],
  ['retries: no per-try timeout', retries()(inner), plain],
  ['retries: per-try timeout 5 s', retries(5_000)(inner), plain],
  ['circuit breaker: maxRequests', breaker.layer()(inner), plain],
];
/**
 * The whole route stage as `bench pair --policy` configures it: 50 routes (the request matches
 * the last written one, after refusing 49 on their header), each with the timeout and retries,
 * the breaker, and the route metrics — against the stage with no policy.
 */
function routeStageWith(policy: OutboundPolicy | undefined): HttpHandler {
  const stage = routeStage({
    policies: { towards: () => policy, watch: () => () => {} },
    metrics: resilienceMetrics(new Registry()),
  });
  const balancer = {
    handle: inner,
    update: () => {},
    snapshot: () => [],
    close: () => {},
  } as unknown as ReturnType<NewBalancer>;
  return stage.layer(() => balancer)({ service: 'identity', endpoints: [] }).handle;
}
const retryPolicy = {
  limit: 2,
  perTryTimeoutMs: 5_000,
  retryOn: [{ min: 500, max: 599 }],
  retryOnGrpc: [],
  nonIdempotent: false,
};
const routeOf = (name: string, match: OutboundPolicy['routes'][number]['match']) => ({
  name,
  match,
  timeoutMs: 10_000,
  retries: retryPolicy,
  backends: [{ service: 'identity', weight: 1 }],
});
const benchPolicy: OutboundPolicy = {
  service: 'identity',
  routes: [
    ...Array.from({ length: 49 }, (_, i) =>
      routeOf(`api-${i + 1}`, {
        path: { kind: 'prefix', value: '/' },
        method: 'GET',
        headers: [{ name: 'x-tenant', value: `t${i + 1}` }],
      }),
    ),
    routeOf('everything', { path: { kind: 'prefix', value: '/' }, headers: [] }),
    routeOf('default', { headers: [] }),
  ],
  circuitBreaker: { maxRequests: 10_000 },
};
const bareRoute = (name: string, match: OutboundPolicy['routes'][number]['match']) => ({
  name,
  match,
  backends: [{ service: 'identity', weight: 1 }],
});
const routesOnly: OutboundPolicy = {
  service: 'identity',
  routes: benchPolicy.routes.map((r) => bareRoute(r.name, r.match)),
};
cases.push(
  ['route stage: no policy', routeStageWith(undefined), plain],
  [
    'route stage: 1 route, nothing on it (metrics)',
    routeStageWith({ ...routesOnly, routes: routesOnly.routes.slice(-1) }),
    plain,
  ],
  ['route stage: 50 routes, nothing on them', routeStageWith(routesOnly), plain],
  ['route stage: bench pair policy, 50 routes', routeStageWith(benchPolicy), plain],
  [
    'route stage: bench pair policy, 1 route',
    routeStageWith({ ...benchPolicy, routes: benchPolicy.routes.slice(-1) }),
    plain,
  ],
);

// Traffic shaping (issue 13) and the sidecar's trace layer (issue 14), each alone.
const withUser = () => request(['x-user', 'user-1234']);
const traced = (flags: string) => () =>
  request(['traceparent', `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}`]);
const tracer = new Tracer({ sampling: 1, sink: { add: () => {} } });
const trace = traceLayer({ tracer, direction: 'outbound', startTraces: false })(inner);
cases.push(
  [
    'split 90/10 across two services',
    splitBackends(
      'identity',
      [
        { service: 'identity', weight: 90 },
        { service: 'identity-canary', weight: 10 },
      ],
      inner,
      () => inner,
    ),
    plain,
  ],
  [
    'mirror 10 % (copies answered at once)',
    mirrorLayer({ service: 'identity-shadow', percentage: 10, otherService: () => inner }, inner),
    plain,
  ],
  [
    'session affinity: the key from a header',
    affinityLayer({ kind: 'header', name: 'x-user' }, inner),
    withUser,
  ],
  ['trace: a request without context', trace, plain],
  ['trace: an unsampled context (flags 00)', trace, traced('00')],
  ['trace: a sampled context, span recorded', trace, traced('01')],
);

const bare = await microsPerRequest(inner, plain);
for (const [label, handler, make] of cases) {
  const cost = (await microsPerRequest(handler, make)) - bare;
  console.log(`${label.padEnd(42)} ${cost.toFixed(2)} µs per request`);
}
