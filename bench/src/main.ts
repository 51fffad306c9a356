/**
 * `npm run bench -- <scenario> [--seconds N] [--rounds N] [--smoke]`: runs a benchmark, prints its
 * tables and writes JSON + Markdown under bench/results/. Benchmarks report figures; they fail
 * only when they cannot run at all.
 */
import { parseArgs } from 'node:util';
import { summarizeLoad } from './load/index.ts';
import { runFacts } from './machine.ts';
import { markdown, saveResults } from './report.ts';
import { runChain } from './scenarios/chain.ts';
import { chainFigures, chainTables } from './scenarios/chain-tables.ts';
import { runDestinationFanout } from './scenarios/destination-fanout.ts';
import { runIdentity } from './scenarios/identity.ts';
import { runIdle } from './scenarios/idle.ts';
import { idleTables } from './scenarios/idle-tables.ts';
import { runPair } from './scenarios/pair.ts';
import { pairFigures } from './scenarios/pair-figures.ts';
import { pairTables } from './scenarios/pair-tables.ts';
import { runStartup } from './scenarios/startup.ts';
import { startupTables } from './scenarios/startup-tables.ts';
import { runTransport, transportFigures, transportTables } from './scenarios/transport.ts';

const USAGE = `usage: npm run bench -- <scenario> [options]

scenarios:
  identity     certificates issued per second: key + CSR + Certify round trip, end to end
  destination-fanout
               an endpoint change reaching 1/100/1,000 watchers: p50/p99/max per watcher and
               until the last one has it
  pair         direct vs HAProxy pair vs fusion-proxy pair (mTLS, 1 KiB, 16 connections):
               latency at 500/1,000/2,000 rps, added latency, max throughput, proxy CPU and RSS
  transport    the hop between proxies alone: one HTTP/2 mTLS session vs 16 HTTP/1.1 mTLS
               connections (undici Pool, https.Agent): 16 and 1 in flight, 1,000/2,000/4,000 rps
  chain        the real platform under \`fusion up\` (ports moved): GET /v1/whoami through the
               gateway (gateway → ai-kernel → identity, two proxy pairs) at 50/100/200/400 rps,
               against the three apps calling each other directly; added latency, CPU per
               1,000 requests of each sidecar and app (--smoke: 100 rps for 3 s)
  startup      a sidecar from launch to ready (certificate + registration), N times against a
               control plane (--launches, default 10; --smoke 3), and \`fusion up --detach\`
               to all ready (--ups, default 2; --smoke 1), with each component's start → ready
  idle         \`fusion up --detach\` to all ready, then the RSS and CPU of every process of the
               idle platform over --seconds (default 30; --smoke 5), --rounds platforms

options:
  --seconds N  seconds per measurement (default 5; pair, transport, chain 10)
  --launches N startup: sidecar launches (default 10)
  --ups N      startup: \`fusion up\` runs (default 2)
  --rounds N   pair, transport, chain: repeat every measurement N times, interleaved (default 2);
               idle: platforms brought up one after another
  --no-wrk     pair: skip the wrk cross-check of maximum throughput
  --rates A,B  pair: the fixed rates measured, requests per second (default 500,1000,2000)
  --policy     pair: also measure \`fusion+policy\` (a pair whose client side enforces a retry +
               timeout + circuit-breaker policy) and \`fusion+access\` (a pair whose server side
               enforces an authorization policy and a rate limit, with the audit log), both on
               the destination service, each with its policy in force and, on the same
               processes, with it switched off live (\`…:off\`, checked in /config), and what the
               policy costs: CPU per 1,000 requests, on / off, worst proxy, at each rate. Exits 1
               without measuring if the fusion-proxy run does not enforce it (then try
               --programs worktree). The client side's table has 50 routes; requests take the
               last written one
  --routes-only  pair, with --policy: the client side's policy is the 50-route table alone (no
               timeout, retries or breaker): what routing itself costs
  --programs SRC  pair: what fusion-proxy and the control plane run from — HEAD (default:
               the committed sources, bundled as fusion up runs a sidecar), worktree (the
               working tree, bundled) or tsx (the working tree's sources through tsx)
  --smoke      a short run that only shows the scenario works (1 s per measurement, 1 round);
               exits 1 only if a path cannot carry traffic at all
  --profile    write CPU profiles of the server under test (pair: both fusion proxies) to
               bench/results/profiles/ and, for pair, list the top self-time functions
  -h, --help   this text`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    launches: { type: 'string' },
    ups: { type: 'string' },
    'no-wrk': { type: 'boolean', default: false },
    rates: { type: 'string' },
    policy: { type: 'boolean', default: false },
    'routes-only': { type: 'boolean', default: false },
    programs: { type: 'string', default: 'HEAD' },
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const scenario = positionals[0];
if (values.help || !scenario) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const DEFAULT_SECONDS: Record<string, number> = { pair: 10, transport: 10, chain: 10, idle: 30 };
const SMOKE_SECONDS: Record<string, number> = { chain: 3, idle: 5 };
const seconds = values.smoke
  ? (SMOKE_SECONDS[scenario] ?? 1)
  : Number(values.seconds ?? DEFAULT_SECONDS[scenario] ?? 5);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`bench: --seconds '${values.seconds}' is not a positive number`);
  process.exit(2);
}
const rounds = values.smoke ? 1 : Number(values.rounds ?? 2);
if (!Number.isInteger(rounds) || rounds <= 0) {
  console.error(`bench: --rounds '${values.rounds}' is not a positive whole number`);
  process.exit(2);
}

function profileDir(): string {
  const dir = new URL('../results/profiles/', import.meta.url).pathname;
  console.log(`CPU profiles go to ${dir} (open them in Chrome DevTools or speedscope)`);
  return dir;
}

const programSource = values.programs;
if (programSource !== 'HEAD' && programSource !== 'worktree' && programSource !== 'tsx') {
  console.error(`bench: --programs '${programSource}' is not HEAD, worktree or tsx`);
  process.exit(2);
}

const facts = runFacts();
switch (scenario) {
  case 'identity': {
    const { rows, table } = await runIdentity({
      seconds,
      concurrency: values.smoke ? [1, 4] : [1, 2, 4, 8],
      ...(values.profile ? { profileDir: profileDir() } : {}),
    });
    console.log(markdown(facts, table));
    console.log(`results: ${saveResults('identity', facts, table, rows)}.{json,md}`);
    if (rows.every((r) => r.issued === 0)) {
      console.error('bench identity: no certificate was issued at all');
      process.exit(1);
    }
    break;
  }
  case 'destination-fanout': {
    const { rows, table } = await runDestinationFanout({
      watchers: values.smoke ? [1, 100] : [1, 100, 1000],
      changes: values.smoke ? 10 : 100,
    });
    console.log(markdown(facts, table));
    console.log(`results: ${saveResults('destination-fanout', facts, table, rows)}.{json,md}`);
    if (rows.some((r) => r.missed > 0)) {
      console.error('bench destination-fanout: some watchers never received a change');
      process.exit(1);
    }
    break;
  }
  case 'pair': {
    const run = await runPair({
      seconds,
      rates: pairRates(values.rates),
      rounds,
      connections: 16,
      throughputSeconds: seconds,
      warmupSeconds: values.smoke ? 0.5 : 3,
      wrk: !values.smoke && !values['no-wrk'],
      programSource,
      ...(values.profile ? { profileDir: profileDir() } : {}),
      ...(values.policy ? { policy: true } : {}),
      ...(values['routes-only'] ? { policyKind: 'routes' as const } : {}),
    });
    const figures = pairFigures(run);
    const tables = pairTables(run, figures);
    console.log(markdown(facts, tables));
    const data = {
      options: run.options,
      versions: run.versions,
      idleRssBytes: run.idleRssBytes,
      broken: run.broken,
      peakRssPerMeasurement: run.peakRssPerMeasurement,
      figures,
      profiles: run.profiles,
      samples: run.samples.map(({ load, ...rest }) => ({
        ...rest,
        ...(load ? { load: summarizeLoad(load) } : {}),
      })),
    };
    console.log(`results: ${saveResults('pair', facts, tables, data)}.{json,md}`);
    if (Object.keys(run.broken).length > 0) {
      console.error(`bench pair: cannot carry traffic: ${Object.keys(run.broken).join(', ')}`);
      process.exit(1);
    }
    break;
  }
  case 'transport': {
    const run = await runTransport({
      seconds,
      rates: [1000, 2000, 4000],
      rounds,
      concurrency: 16,
    });
    const figures = transportFigures(run);
    const tables = transportTables(run, figures);
    console.log(markdown(facts, tables));
    const data = {
      options: run.options,
      peakRssBytes: run.peakRssBytes,
      broken: run.broken,
      figures,
    };
    console.log(`results: ${saveResults('transport', facts, tables, data)}.{json,md}`);
    if (Object.keys(run.broken).length > 0) process.exit(1);
    break;
  }
  case 'chain': {
    const run = await runChain({
      seconds,
      rates: values.smoke ? [100] : [50, 100, 200, 400],
      rounds,
      connections: 16,
      warmupSeconds: values.smoke ? 1 : 5,
    });
    const figures = chainFigures(run);
    const tables = chainTables(run, figures);
    console.log(markdown(facts, tables));
    const data = {
      options: run.options,
      broken: run.broken,
      upMs: run.upMs,
      portBase: run.portBase,
      meshAnswer: run.meshAnswer,
      figures,
      samples: run.samples.map(({ load, ...rest }) => ({ ...rest, load: summarizeLoad(load) })),
    };
    console.log(`results: ${saveResults('chain', facts, tables, data)}.{json,md}`);
    if (Object.keys(run.broken).length > 0) {
      console.error(`bench chain: cannot carry traffic: ${Object.keys(run.broken).join(', ')}`);
      process.exit(1);
    }
    break;
  }
  case 'startup': {
    const count = (name: 'launches' | 'ups', full: number, smoke: number) => {
      const n = values.smoke ? smoke : Number(values[name] ?? full);
      if (!Number.isInteger(n) || n < 0) {
        console.error(`bench: --${name} '${values[name]}' is not a whole number`);
        process.exit(2);
      }
      return n;
    };
    const run = await runStartup({
      launches: count('launches', 10, 3),
      ups: count('ups', 2, 1),
    });
    const tables = startupTables(run);
    console.log(markdown(facts, tables));
    console.log(`results: ${saveResults('startup', facts, tables, run)}.{json,md}`);
    if (run.broken.length > 0) {
      console.error(`bench startup: ${run.broken.join('; ')}`);
      process.exit(1);
    }
    break;
  }
  case 'idle': {
    const run = await runIdle({ seconds, settleSeconds: values.smoke ? 2 : 10, rounds });
    const tables = idleTables(run);
    console.log(markdown(facts, tables));
    console.log(`results: ${saveResults('idle', facts, tables, run)}.{json,md}`);
    if (!run.rounds.some((r) => r.ok)) {
      console.error(`bench idle: ${run.rounds.map((r) => r.error).join('; ')}`);
      process.exit(1);
    }
    break;
  }
  default:
    console.error(`bench: unknown scenario '${scenario}'\n\n${USAGE}`);
    process.exit(2);
}

/** `--rates 1000` or `--rates 500,2000`: whole numbers above 0; the default otherwise. */
function pairRates(text: string | undefined): number[] {
  if (text === undefined) return [500, 1000, 2000];
  const rates = text.split(',').map((part) => Number(part.trim()));
  if (rates.some((rate) => !Number.isInteger(rate) || rate <= 0)) {
    console.error(`--rates: expected rates such as 1000 or 500,2000, got '${text}'`);
    process.exit(2);
  }
  return rates;
}
