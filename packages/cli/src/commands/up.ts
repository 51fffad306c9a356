/**
 * `fusion up`: starts the platform in the foreground (Ctrl-C stops it) or, with --detach, in
 * the background, returning once everything is ready or saying what failed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FusionConfig } from '@fusion/mesh-types';
import type { Command } from 'commander';
import {
  bundledApps,
  bundledProgram,
  postgresTemplateDir,
  releaseBundler,
} from '../bundled-program.ts';
import {
  ensurePki,
  type PkiFiles,
  pkiFiles,
  readText,
  TOKEN_REFRESH_MS,
  type TokenGrant,
  writeTokens,
} from '../identity/index.ts';
import {
  findPrometheus,
  INSTALL_HINT,
  PROMETHEUS,
  preparePrometheusDir,
  prometheusAddress,
  prometheusDir,
  targetFiles,
  writeTargetFiles,
} from '../observability/index.ts';
import { deployDir, type Paths, programs, resolvePaths, tsxImport } from '../paths.ts';
import {
  buildPlan,
  type ComponentSpec,
  ConsoleView,
  LogSink,
  logLevelFile,
  type Plan,
  type PlanInputs,
  readState,
  removePidFile,
  runningSupervisor,
  Supervisor,
  serviceEntry,
  writePidFile,
  writeState,
} from '../supervisor/index.ts';
import { followConfig } from './follow-config.ts';
import { printProblems } from './identity.ts';
import { busyAddresses, loadConfigForCommand } from './shared.ts';
import { printStatusTable } from './status.ts';

/** Set in the environment of the background supervisor that `--detach` starts. */
const DETACHED_ENV = 'FUSION_SUPERVISOR_DETACHED';

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the platform: infrastructure, control plane, observability, services')
    .option('-d, --detach', 'run in the background; return once everything is ready')
    .option('--echo-level <level>', 'least log level echoed to the terminal once running', 'info')
    .action(async (options: { detach?: boolean; echoLevel: string }) => {
      const paths = resolvePaths(program.opts());
      process.exitCode = options.detach
        ? await upDetached(paths)
        : await upForeground(paths, options.echoLevel);
    });
}

async function upForeground(paths: Paths, echoLevel: string): Promise<number> {
  const config = loadConfigForCommand(paths);
  if (!config) return 1;
  const running = runningSupervisor(paths.stateDir);
  if (running) return alreadyRunning(running);

  const pki = pkiFiles(paths.stateDir);
  const report = await ensurePki(pki, config.mesh.trustDomain);
  if (report.created)
    console.log(`fusion up: created the mesh PKI (trust anchor, issuer) in ${pki.dir}`);
  if (printProblems(report.problems)) {
    console.error(
      `fusion up: refusing to start; fix the PKI in ${pki.dir} (\`fusion check\` explains)`,
    );
    return 1;
  }

  // Every program bundled at once: esbuild builds them in parallel (about 1 s for all here).
  const [postgresEntry, controlPlaneEntry, proxyEntry, appPrograms] = await Promise.all([
    bundledProgram(programs.postgres, 'fusion-postgres'),
    bundledProgram(programs.controlPlane, 'fusion-control-plane'),
    bundledProgram(programs.proxy, 'fusion-proxy'),
    bundledApps(appEntries(config, paths.baseDir)),
  ]);
  await releaseBundler();
  const planInputs: PlanInputs = {
    config,
    baseDir: paths.baseDir,
    stateDir: paths.stateDir,
    env: process.env,
    nodePath: process.execPath,
    tsxImport,
    postgresEntry,
    postgresTemplateDir: postgresTemplateDir(postgresEntry),
    controlPlaneEntry,
    proxyEntry,
    appPrograms,
    configPath: paths.configPath,
    pkiDir: pki.dir,
    trustAnchorsPem: readText(pki.anchors),
    ...withPrometheus(config),
  };
  const plan = planOrReport(planInputs);
  if (!plan) return 1;
  const busy = await busyAddresses(plan.components);
  if (busy.length > 0) {
    for (const line of busy) console.error(`fusion up: ${line}`);
    console.error('fusion up: refusing to start; free these ports or change them in fusion.yaml');
    return 1;
  }

  mkdirSync(paths.stateDir, { recursive: true });
  // The apps watch this directory for `fusion log-level`; it must exist before they start, and
  // levels a previous run set do not carry over.
  const levels = dirname(logLevelFile(paths.stateDir, 'any'));
  rmSync(levels, { recursive: true, force: true });
  mkdirSync(levels, { recursive: true });
  writePidFile(paths.stateDir, process.pid);
  const targets = prometheusTargets(paths, planInputs.prometheusBinary !== undefined);
  targets(config, plan);
  const tokens = await keepTokensFresh(pki, paths.stateDir, plan.components);
  const logs = new LogSink(paths.logDir);
  const view = new ConsoleView({ out: process.stdout, interactive: isInteractive(), echoLevel }, [
    'fusion',
    'supervisor',
    ...plan.components.map((c) => c.name),
  ]);
  const supervisor = new Supervisor(plan.components, {
    logs,
    configFile: paths.configFile,
    stateDir: paths.stateDir,
  });
  supervisor.on('change', (state) => {
    writeState(paths.stateDir, state);
    view.showState(state);
  });
  // Lines below the echo level are relayed to their files without being parsed (log-sink.ts).
  logs.onRecord((source, record) => view.showLog(source, record), echoLevel);
  describeStart(view, config, plan.embeddedPostgres, paths);

  const stopRequested = waitForStopSignal(view);
  const began = performance.now();
  const startOutcome = supervisor.start().then(
    () => 'ready' as const,
    (error: Error) => error,
  );
  // Whichever comes first: the platform is ready, its start failed, or the user stops it.
  const first = await Promise.race([startOutcome, stopRequested.then(() => 'stop' as const)]);
  let exitCode = 0;
  let stopFollowing: (() => void) | undefined;
  if (first === 'ready') {
    view.endLiveList(
      `all ${plan.components.length} components ready in ${seconds(began)} s; Ctrl-C stops`,
    );
    stopFollowing = followConfig({
      configPath: paths.configPath,
      running: config,
      supervisor,
      // Bundles are made once per `fusion up`; only an entry a reload adds is bundled then.
      plan: async (next) => {
        const added = appEntries(next, paths.baseDir).filter((e) => !(e in appPrograms));
        if (added.length > 0) {
          Object.assign(appPrograms, await bundledApps(added));
          await releaseBundler();
        }
        const nextPlan = buildPlan({ ...planInputs, config: next });
        targets(next, nextPlan);
        return nextPlan;
      },
      beforeStart: (next) => tokens.update(next.components),
      report: (level, message) => {
        logs.supervisor(level, message);
        view.message(message);
      },
    });
    await stopRequested;
  } else if (first instanceof Error) {
    view.endLiveList(`start failed: ${first.message}`);
    exitCode = 1;
  }
  view.message('stopping');
  stopFollowing?.();
  tokens.stop();
  await supervisor.stop();
  writeState(paths.stateDir, supervisor.snapshot());
  removePidFile(paths.stateDir);
  await logs.close();
  view.message('stopped');
  return exitCode;
}

/** The binary for the plan, or a word on how to install it when fusion.yaml wants it. */
function withPrometheus(config: FusionConfig): { prometheusBinary?: string } {
  if (!config.observability.prometheus.enabled) return {};
  const binary = findPrometheus();
  if (binary) return { prometheusBinary: binary };
  console.log(`fusion up: Prometheus not found, starting without metrics storage; ${INSTALL_HINT}`);
  return {};
}

/**
 * Readies Prometheus's directory and returns what writes its targets for a plan (again at each
 * reload, so that new replicas are scraped); does nothing when Prometheus is not in the plan.
 */
function prometheusTargets(paths: Paths, enabled: boolean) {
  if (!enabled) return (_config: FusionConfig, _plan: Plan) => {};
  preparePrometheusDir(paths.stateDir, join(deployDir, PROMETHEUS));
  return (config: FusionConfig, plan: Plan) =>
    writeTargetFiles(
      prometheusDir(paths.stateDir).targets,
      targetFiles({
        config,
        components: plan.components,
        controlPlaneAdmin: `127.0.0.1:${config.controlPlane.adminPort}`,
        prometheus: prometheusAddress(config),
      }),
    );
}

function appEntries(config: FusionConfig, baseDir: string): string[] {
  return Object.values(config.services).flatMap((s) => serviceEntry(s, baseDir) ?? []);
}

/** The plan, or undefined after saying why fusion.yaml cannot be run as written. */
function planOrReport(inputs: PlanInputs): Plan | undefined {
  try {
    return buildPlan(inputs);
  } catch (error) {
    console.error(`fusion up: ${(error as Error).message}`);
    return undefined;
  }
}

interface TokenKeeper {
  /** Mints tokens for these components (a reloaded plan) and refreshes theirs from now on. */
  update(components: readonly ComponentSpec[]): Promise<void>;
  stop(): void;
}

/** Mints every workload's token now, and again every quarter of a token's lifetime. */
async function keepTokensFresh(
  pki: PkiFiles,
  stateDir: string,
  components: readonly ComponentSpec[],
): Promise<TokenKeeper> {
  const grantsOf = (specs: readonly ComponentSpec[]): TokenGrant[] =>
    specs.flatMap((c) =>
      c.identity && c.env.LINKERD2_PROXY_IDENTITY_TOKEN_FILE
        ? [{ identity: c.identity, file: c.env.LINKERD2_PROXY_IDENTITY_TOKEN_FILE }]
        : [],
    );
  let grants = grantsOf(components);
  await writeTokens(pki, stateDir, grants);
  const timer = setInterval(() => {
    writeTokens(pki, stateDir, grants).catch((error: Error) => {
      console.error(`fusion up: could not refresh workload tokens: ${error.message}`);
    });
  }, TOKEN_REFRESH_MS);
  timer.unref();
  return {
    update: async (specs) => {
      grants = grantsOf(specs);
      await writeTokens(pki, stateDir, grants);
    },
    stop: () => clearInterval(timer),
  };
}

function describeStart(
  view: ConsoleView,
  config: FusionConfig,
  embedded: boolean,
  paths: Paths,
): void {
  const services = Object.values(config.services);
  const database = embedded
    ? 'the embedded PostgreSQL (DATABASE_URL is unset)'
    : services.some((s) => s.database)
      ? 'PostgreSQL from DATABASE_URL'
      : 'no database (no service owns data)';
  view.message(
    `starting ${services.length} services from ${paths.configFile} with ${database}; logs in ${paths.logDir}`,
  );
}

/** Resolves on the first SIGINT/SIGTERM; a second one forces the exit. */
function waitForStopSignal(view: ConsoleView): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received += 1;
      if (received === 1) {
        view.message(`${signal} received; stopping in reverse order (again to force)`);
        resolve();
      } else {
        view.message(`${signal} again; exiting now`);
        process.exit(1);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function upDetached(paths: Paths): Promise<number> {
  if (!loadConfigForCommand(paths)) return 1;
  const running = runningSupervisor(paths.stateDir);
  if (running) return alreadyRunning(running);

  mkdirSync(paths.logDir, { recursive: true });
  const outputFile = join(paths.logDir, 'fusion-up.out');
  const output = openSync(outputFile, 'a');
  const args = [
    ...process.execArgv,
    process.argv[1]!,
    ...process.argv.slice(2).filter((a) => a !== '--detach' && a !== '-d'),
  ];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', output, output],
    env: { ...process.env, [DETACHED_ENV]: '1' },
  });
  child.unref();
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  console.log(`fusion up: starting in the background (pid ${child.pid}); output in ${outputFile}`);

  for (;;) {
    await sleep(200);
    const state = readState(paths.stateDir);
    const mine = state?.pid === child.pid ? state : undefined;
    if (mine?.phase === 'running') {
      printStatusTable(mine);
      console.log(
        'fusion up: all components ready; `fusion status` shows them, `fusion down` stops them',
      );
      return 0;
    }
    if (mine?.phase === 'failed' || exited) {
      if (mine) printStatusTable(mine);
      console.error(
        `fusion up: start failed: ${mine?.error ?? `supervisor exited; see ${outputFile}`}`,
      );
      console.error(`fusion up: component logs are in ${paths.logDir}`);
      return 1;
    }
  }
}

function alreadyRunning(pid: number): number {
  console.error(`fusion up: AI Fusion Core is already running (supervisor pid ${pid}).`);
  console.error('fusion up: `fusion status` shows it; `fusion down` stops it.');
  return 1;
}

function isInteractive(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI && !process.env[DETACHED_ENV];
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}
