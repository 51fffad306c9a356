/**
 * One helper for every end-to-end suite: a copy of the real fusion.yaml with its ports moved
 * out of the way (so a developer's running platform is untouched), its own state directory,
 * and the real `fusion` command run against it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fusionBin = join(repoRoot, 'packages/cli/bin/fusion.mjs');

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TestPlatform {
  readonly dir: string;
  readonly configPath: string;
  readonly stateDir: string;
  /** Service name → published port in this copy. */
  readonly ports: Readonly<Record<string, number>>;
  readonly postgresPort: number;
  readonly identityPort: number;
  readonly destinationPort: number;
  readonly prometheusPort: number;
  /** The control plane's trace receiver (OTLP/HTTP in, Jaeger's query API out). */
  readonly traceReceiverPort: number;
  fusion(args: string[], env?: Record<string, string>): Promise<CommandResult>;
  status(): Promise<StatusJson>;
  /** Stops anything still running and removes the directory. */
  cleanup(): Promise<void>;
}

export interface StatusJson {
  readonly running: boolean;
  readonly pid?: number;
  readonly phase?: string;
  readonly components: readonly {
    readonly name: string;
    readonly tier: string;
    readonly state: string;
    readonly pid: number | null;
    readonly service?: string;
    readonly addresses: readonly string[];
    readonly sidecar?: {
      readonly inbound: string;
      readonly outbound: string;
      readonly admin: string;
      readonly app: string;
    };
    readonly listening: readonly string[] | null;
    readonly restarts: number;
    readonly lastExit?: string;
  }[];
}

/**
 * `portBase + N` replaces the seed's port 800N; the embedded PostgreSQL gets `portBase + 99`,
 * the identity service `portBase + 80`, destination `portBase + 86`, the control-plane admin
 * port `portBase + 90`, Prometheus `portBase + 91` (started only with `{ prometheus: true }`:
 * the other suites need not pay for it) and the trace receiver `portBase + 92` (tracing's
 * sampling is 0 unless the suite's own edit sets it). Each service's sidecar adds its own ports at + 10000, + 20000 and
 * + 21000, so a base under 11700 keeps them all below Linux's ephemeral range (32768 and up).
 */
export function preparePlatform(
  portBase: number,
  /** Changes the copied fusion.yaml before its ports are moved (e.g. more replicas). */
  edit: (text: string) => string = (text) => text,
  options: { readonly prometheus?: boolean } = {},
): TestPlatform {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-e2e-'));
  const configPath = join(dir, 'fusion.yaml');
  const ports: Record<string, number> = {};
  const postgresPort = portBase + 99;
  const identityPort = portBase + 80;
  const destinationPort = portBase + 86;
  const traceReceiverPort = portBase + 92;
  const controlPlanePorts: Record<string, number> = {
    '8080': identityPort,
    '8086': destinationPort,
    '9990': portBase + 90,
    '9090': portBase + 91,
  };
  let service = '';
  const original = readFileSync(join(repoRoot, 'fusion.yaml'), 'utf8');
  // Neither Prometheus nor traces unless a suite asks: the others need not pay for them.
  const withPrometheus = (
    options.prometheus
      ? original
      : original.replace(/(\n {2}prometheus:\n {4}enabled: )true/, '$1false')
  ).replace(/(\n {4}sampling: )[\d.]+/, '$10');
  const text = edit(withPrometheus)
    .split('\n')
    .map((line) => {
      const name = /^ {2}([a-z-]+):\s*$/.exec(line);
      if (name) service = name[1]!;
      const port = /^(\s+port: )(\d+)/.exec(line);
      if (port && Number(port[2]) === 55432) return `${port[1]}${postgresPort}`;
      if (port && controlPlanePorts[port[2]!]) return `${port[1]}${controlPlanePorts[port[2]!]}`;
      const receiver = /^(\s+receiverPort: )(\d+)/.exec(line);
      if (receiver) return `${receiver[1]}${traceReceiverPort}`;
      const admin = /^(\s+adminPort: )(\d+)/.exec(line);
      if (admin && controlPlanePorts[admin[2]!])
        return `${admin[1]}${controlPlanePorts[admin[2]!]}`;
      if (port) {
        ports[service] = portBase + (Number(port[2]) - 8000);
        return `${port[1]}${ports[service]}`;
      }
      return line.replace(/^(\s+entry: )(services\/)/, `$1${repoRoot}$2`);
    })
    .join('\n');
  writeFileSync(configPath, text);

  const platform: TestPlatform = {
    dir,
    configPath,
    stateDir: join(dir, '.fusion'),
    ports,
    postgresPort,
    identityPort,
    destinationPort,
    prometheusPort: portBase + 91,
    traceReceiverPort,
    fusion: (args, env = {}) => runFusion(['--config', configPath, ...args], env),
    status: async () =>
      JSON.parse((await platform.fusion(['status', '--json'])).stdout) as StatusJson,
    cleanup: async () => {
      const status = await platform.status().catch(() => undefined);
      if (status?.running) await platform.fusion(['down']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return platform;
}

export function runFusion(
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fusionBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, CI: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function getJson(url: string): Promise<HttpAnswer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls until `check` returns a value; fails with `what` after `limitMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  limitMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${limitMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`,
      );
    }
    await sleep(25);
  }
}

/** True while any of the pids is still a live process. */
export function anyAlive(pids: readonly number[]): boolean {
  return pids.some((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}
