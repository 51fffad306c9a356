/**
 * `bench pair --policy`: what the resilience policy costs a request — CPU seconds per 1,000
 * requests of a fusion pair with the policy in force over the same pair's with it switched off
 * (same processes, same run, interleaved), for the proxy whose ratio is larger (the policy sits on the client side,
 * but both proxies are read, so that a cost moved to the other one is not missed).
 */
import type { PairRun, ProxyRole } from './pair.ts';
import type { Aggregate } from './pair-figures.ts';

export interface PolicyCost {
  readonly ratio: number;
  readonly role: ProxyRole;
}

/** The acceptance, reported against like the other goals, never asserted. */
export const POLICY_COST_GOAL = 1.1;

export function policyCost(
  roles: readonly ProxyRole[],
  baseline?: Aggregate,
  withPolicy?: Aggregate,
): PolicyCost | undefined {
  let worst: PolicyCost | undefined;
  for (const role of roles) {
    const ratio =
      (withPolicy?.cpuPer1k[role] ?? Number.NaN) / (baseline?.cpuPer1k[role] ?? Number.NaN);
    if (Number.isFinite(ratio) && (!worst || ratio > worst.ratio)) worst = { ratio, role };
  }
  return worst;
}

const cell = (c: PolicyCost | undefined) => (c ? `${c.ratio.toFixed(2)}× (${c.role})` : '–');

/** The resource table's row: one cell per rate, then @max; the RSS columns empty. */
export function policyCostRows(
  run: PairRun,
  costs: Partial<Record<'policy' | 'access', Record<string, PolicyCost | undefined>>>,
): (string | number)[][] {
  return (['policy', 'access'] as const).flatMap((what) => {
    const cost = costs[what];
    if (!cost) return [];
    return [
      [
        `${what} cost`,
        `worst proxy, fusion+${what} / the same pair with it off`,
        ...run.options.rates.map((r) => cell(cost[String(r)])),
        cell(cost.max),
        '–',
        '–',
        '–',
      ],
    ];
  });
}

function policyDescription(run: PairRun): string {
  const table =
    'a table of 50 routes whose last written one takes the requests, after 49 refused on a header';
  return run.options.policyKind === 'routes'
    ? `fusion.yaml \`trafficPolicies\` from the client’s service to the upstream: ${table}, and nothing else (--routes-only)`
    : `fusion.yaml \`trafficPolicies\` from the client’s service to the upstream: \`timeout: 10s\`, \`retries: { attempts: 2, perTryTimeout: 5s }\` on each route of ${table}; \`circuitBreakers\` \`maxRequests: 10000\`; the layers run on every request and never fire`;
}

export function policyCostNotes(run: PairRun): string[] {
  if (!run.options.policy) return [];
  return [
    `**policy cost**: CPU s per 1,000 requests of the fusion+policy pair with its policy in force (${policyDescription(run)}) over the same processes’ with the blocks removed, switched live between measurements and checked in /config each time, for the proxy whose ratio is larger. Goal (reported against): ≤ ${POLICY_COST_GOAL.toFixed(2)}×.`,
    `**access cost**: the same for fusion+access, whose server side enforces an authorization policy admitting the client (\`authorizationPolicies\`) and a rate limit far above the load (\`rateLimits\` total and per identity), and records every decision in its audit log as under \`fusion up\` (\`mesh.audit.allowed: 1\`; the log stays on when the blocks are off, recording the default policy’s decisions). Goal (reported against): ≤ ${POLICY_COST_GOAL.toFixed(2)}×.`,
  ];
}
