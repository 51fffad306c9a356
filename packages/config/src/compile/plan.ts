/**
 * The first half of compiling: which written setting lands on which caller -> callee pair
 * (outbound) or callee (inbound), with the path it was written at. Each setting of a pair
 * comes from exactly one place in the file; a second place setting it again is a conflict,
 * never an override, so what a service does never depends on the order blocks are written in.
 * Authorization rules are the exception: they add up, as Linkerd's AuthorizationPolicies do.
 */
import type {
  AuthorizationRuleConfig,
  ClientsConfig,
  FailureAccrualConfig,
  FaultInjectionBlock,
  FusionConfig,
  InboundDefaultPolicy,
  MirrorConfig,
  RateLimitBlock,
  RetriesConfig,
  RetryBudgetConfig,
  RouteConfig,
  RouteMatchConfig,
  ServiceConfig,
  SessionAffinityConfig,
  SplitBackendConfig,
  TlsMode,
} from '@fusion/mesh-types';
import { formatPath, type Path } from './path.ts';
import { selectServices } from './selectors.ts';

/** A value from the file, where it was written and by which block. */
export interface Written<T> {
  readonly value: T;
  readonly path: Path;
  /** `trafficPolicies 'ai-kernel-policy'`. */
  readonly block: string;
}

export interface OutboundSettings {
  tls: { readonly mode: TlsMode };
  timeout: number;
  retries: RetriesConfig;
  retryBudget: RetryBudgetConfig;
  routes: readonly RouteConfig[];
  split: readonly SplitBackendConfig[];
  sessionAffinity: SessionAffinityConfig;
  mirror: MirrorConfig;
  'circuitBreaker.maxConnections': number;
  'circuitBreaker.maxRequests': number;
  'circuitBreaker.maxPendingRequests': number;
  'circuitBreaker.maxRetries': number;
  'circuitBreaker.failureAccrual': FailureAccrualConfig;
}

export interface InboundSettings {
  'authorization.default': InboundDefaultPolicy;
  rateLimit: RateLimitBlock['policy'];
  'faultInjection.abort': NonNullable<FaultInjectionBlock['policy']['abort']> & FaultScope;
  'faultInjection.delay': NonNullable<FaultInjectionBlock['policy']['delay']> & FaultScope;
}

/** What a fault is narrowed to (faultInjections' `instances`, `routes`, `clients`). */
interface FaultScope {
  readonly instances?: readonly string[];
  readonly routes?: readonly RouteMatchConfig[];
  readonly clients?: ClientsConfig;
}

type Slots<S> = { -readonly [K in keyof S]?: Written<S[K]> };

export interface InboundDraft {
  settings: Slots<InboundSettings>;
  /** Some authorization block selects the service, so unadmitted requests are denied. */
  authorized: boolean;
  readonly allow: (Written<AuthorizationRuleConfig> & { readonly name: string })[];
}

/** A setting landing somewhere; the warnings about unenforced fields are made from these. */
export interface Assignment {
  readonly setting: keyof OutboundSettings | keyof InboundSettings | 'authorization.allow';
  readonly written: Written<unknown>;
  /** `ai-kernel -> identity`, or the callee alone for inbound settings. */
  readonly target: Target;
}

export type Target =
  | { readonly direction: 'outbound'; readonly source: string; readonly destination: string }
  | { readonly direction: 'inbound'; readonly service: string };

/** A setting written twice for one pair: both places, for an error that names both. */
export interface PolicyConflict {
  readonly setting: string;
  readonly target: Target;
  readonly path: string;
  readonly block: string;
  readonly firstPath: string;
  readonly firstBlock: string;
}

export interface Plan {
  /** source -> destination -> settings, both in file order of services. */
  readonly outbound: Map<string, Map<string, Slots<OutboundSettings>>>;
  readonly inbound: Map<string, InboundDraft>;
  readonly assignments: Assignment[];
  readonly conflicts: PolicyConflict[];
}

function put<S, K extends keyof S>(
  slots: Slots<S>,
  key: K,
  written: Written<S[K]>,
  target: Target,
  plan: Plan,
): void {
  const first = slots[key];
  if (first !== undefined) {
    plan.conflicts.push({
      setting: String(key),
      target,
      path: formatPath(written.path),
      block: written.block,
      firstPath: formatPath(first.path),
      firstBlock: first.block,
    });
    return;
  }
  slots[key] = written;
  plan.assignments.push({ setting: key as Assignment['setting'], written, target });
}

/** The settings a block writes: each key with its value, when written. */
type Entries<S> = { [K in keyof S]: [K, S[K] | undefined, string] }[keyof S][];

function planOutbound(
  plan: Plan,
  sources: readonly string[],
  destinations: readonly string[],
  entries: Entries<OutboundSettings>,
  base: Path,
  block: string,
): void {
  const present = entries.filter(([, value]) => value !== undefined);
  // A block that writes nothing (`policy: {}`) gives no pair a policy.
  if (present.length === 0) return;
  for (const source of sources) {
    const bySource = plan.outbound.get(source)!;
    for (const destination of destinations) {
      let slots = bySource.get(destination);
      if (slots === undefined) {
        slots = {};
        bySource.set(destination, slots);
      }
      const target = { direction: 'outbound', source, destination } as const;
      for (const [key, value, yamlKey] of present) {
        const written = { value, path: [...base, yamlKey], block } as unknown as Written<never>;
        put(slots, key, written, target, plan);
      }
    }
  }
}

function planInbound(
  plan: Plan,
  callees: readonly string[],
  entries: Entries<InboundSettings>,
  base: Path,
  block: string,
): void {
  for (const service of callees) {
    const draft = plan.inbound.get(service)!;
    const target = { direction: 'inbound', service } as const;
    for (const [key, value, yamlKey] of entries) {
      if (value === undefined) continue;
      const path = yamlKey === '' ? base : [...base, yamlKey];
      put(draft.settings, key, { value, path, block } as Written<never>, target, plan);
    }
  }
}

export function planPolicies(config: FusionConfig): Plan {
  const services: ServiceConfig[] = Object.values(config.services);
  const all = services.map((s) => s.name);
  const plan: Plan = {
    outbound: new Map(all.map((name) => [name, new Map()])),
    inbound: new Map(all.map((name) => [name, { settings: {}, authorized: false, allow: [] }])),
    assignments: [],
    conflicts: [],
  };
  const select = (selector: Parameters<typeof selectServices>[0]) =>
    selectServices(selector, services);

  config.trafficPolicies.forEach((block, i) => {
    const name = `trafficPolicies '${block.name}'`;
    const sources = select(block.selector);
    block.policy.traffic.forEach((rule, j) => {
      const p = rule.policy;
      planOutbound(
        plan,
        sources,
        select(rule.destination.selector),
        [
          ['tls', p.tls, 'tls'],
          ['timeout', p.timeoutMs, 'timeout'],
          ['retries', p.retries, 'retries'],
          ['retryBudget', p.retryBudget, 'retryBudget'],
          ['routes', p.routes, 'routes'],
          ['split', p.split, 'split'],
          ['sessionAffinity', p.sessionAffinity, 'sessionAffinity'],
          ['mirror', p.mirror, 'mirror'],
        ],
        ['trafficPolicies', i, 'policy', 'traffic', j, 'policy'],
        name,
      );
    });
  });

  config.circuitBreakers.forEach((block, i) => {
    const p = block.policy;
    // Without `destination`, the limits hold for every service the selected ones call.
    const destinations = block.destination ? select(block.destination.selector) : all;
    planOutbound(
      plan,
      select(block.selector),
      destinations,
      [
        ['circuitBreaker.maxConnections', p.maxConnections, 'maxConnections'],
        ['circuitBreaker.maxRequests', p.maxRequests, 'maxRequests'],
        ['circuitBreaker.maxPendingRequests', p.maxPendingRequests, 'maxPendingRequests'],
        ['circuitBreaker.maxRetries', p.maxRetries, 'maxRetries'],
        ['circuitBreaker.failureAccrual', p.failureAccrual, 'failureAccrual'],
      ],
      ['circuitBreakers', i, 'policy'],
      `circuitBreakers '${block.name}'`,
    );
  });

  config.authorizationPolicies.forEach((block, i) => {
    const base = ['authorizationPolicies', i, 'policy'];
    const name = `authorizationPolicies '${block.name}'`;
    const callees = select(block.selector);
    planInbound(
      plan,
      callees,
      [['authorization.default', block.policy.default, 'default']],
      base,
      name,
    );
    for (const service of callees) {
      const draft = plan.inbound.get(service)!;
      draft.authorized = true;
      block.policy.allow?.forEach((rule, k) => {
        const written = { value: rule, path: [...base, 'allow', k], block: name };
        draft.allow.push({ ...written, name: `${block.name}[${k}]` });
        const target = { direction: 'inbound', service } as const;
        plan.assignments.push({ setting: 'authorization.allow', written, target });
      });
    }
  });

  config.rateLimits.forEach((block, i) => {
    // One limit per service, as Linkerd allows one HTTPLocalRateLimitPolicy per Server.
    const entries: Entries<InboundSettings> = [['rateLimit', block.policy, '']];
    planInbound(
      plan,
      select(block.selector),
      entries,
      ['rateLimits', i, 'policy'],
      `rateLimits '${block.name}'`,
    );
  });

  config.faultInjections.forEach((block, i) => {
    planInbound(
      plan,
      select(block.selector),
      [
        ['faultInjection.abort', scoped(block.policy.abort, block.policy), 'abort'],
        ['faultInjection.delay', scoped(block.policy.delay, block.policy), 'delay'],
      ],
      ['faultInjections', i, 'policy'],
      `faultInjections '${block.name}'`,
    );
  });
  return plan;
}

/** A fault share with what the block narrows it to: replicas, routes, callers. */
function scoped<T extends object>(
  share: T | undefined,
  { instances, routes, clients }: FaultInjectionBlock['policy'],
): (T & FaultScope) | undefined {
  if (share === undefined) return undefined;
  return {
    ...share,
    ...(instances && { instances }),
    ...(routes && { routes }),
    ...(clients && { clients }),
  };
}

function shortList(names: readonly string[]): string {
  if (names.length <= 3) return names.join(', ');
  return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}

/**
 * `ai-kernel -> identity, vision`, `calls to identity`: the targets of a setting, grouped by
 * caller, a long list cut short.
 */
export function describeTargets(targets: readonly Target[]): string {
  const bySource = new Map<string, string[]>();
  const callees: string[] = [];
  for (const target of targets) {
    if (target.direction === 'inbound') {
      callees.push(target.service);
      continue;
    }
    const list = bySource.get(target.source) ?? [];
    list.push(target.destination);
    bySource.set(target.source, list);
  }
  // Callers with the same callees share one entry: `ai-kernel, vision -> identity`.
  const byCallees = new Map<string, string[]>();
  for (const [source, list] of bySource) {
    const key = shortList(list);
    byCallees.set(key, [...(byCallees.get(key) ?? []), source]);
  }
  const parts = [...byCallees].map(([list, sources]) => `${shortList(sources)} -> ${list}`);
  if (callees.length > 0) parts.push(`calls to ${shortList(callees)}`);
  return parts.join('; ');
}
