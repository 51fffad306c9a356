/**
 * One supervised process: spawn it in its own process group, wait until it is ready,
 * restart it with backoff when it dies, and stop it gracefully (SIGTERM, then SIGKILL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BackoffPolicy } from './backoff.ts';
import { restartDelayMs } from './backoff.ts';
import type { LogSink } from './log-sink.ts';
import type { ComponentSpec, PreStop } from './plan.ts';
import { waitUntilReady } from './readiness.ts';
import type { ComponentState, ComponentStatus } from './state-file.ts';

export interface ComponentOptions {
  readonly backoff: BackoffPolicy;
  readonly logs: LogSink;
  /** Restarts allowed before the component has ever been ready; then it counts as failed. */
  readonly maxStartAttempts: number;
  /** Grace period between SIGTERM and SIGKILL. */
  readonly stopTimeoutMs: number;
}

const PRE_STOP_TIMEOUT_MS = 2_000;

/** Emits `change` whenever its status changes. */
export class Component extends EventEmitter {
  readonly spec: ComponentSpec;
  private readonly options: ComponentOptions;
  private state: ComponentState = 'pending';
  private child: ChildProcess | undefined;
  private startedAt: string | undefined;
  private restarts = 0;
  private consecutiveFailures = 0;
  private lastExit: string | undefined;
  private error: string | undefined;
  private everReady = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private resetTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Children whose end was already handled: 'error' and 'exit' can both arrive. */
  private readonly ended = new WeakSet<ChildProcess>();
  /** Why the supervisor itself killed a child, reported instead of 'killed by SIGKILL'. */
  private readonly killReasons = new WeakMap<ChildProcess, string>();
  private settleStart: { resolve: () => void; reject: (e: Error) => void } | undefined;

  constructor(spec: ComponentSpec, options: ComponentOptions) {
    super();
    this.spec = spec;
    this.options = options;
  }

  /** Starts the process; resolves once it is ready, rejects if it never gets there. */
  start(): Promise<void> {
    if (this.stopping)
      return Promise.reject(new Error(`${this.spec.name}: stopped before it started`));
    return new Promise((resolve, reject) => {
      this.settleStart = { resolve, reject };
      this.launch();
    });
  }

  /** Stops the process and any pending restart; resolves once it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.settleStart?.reject(new Error(`${this.spec.name}: stopped before it was ready`));
    this.settleStart = undefined;
    clearTimeout(this.restartTimer);
    clearTimeout(this.resetTimer);
    const child = this.child;
    if (!child || !this.isRunning()) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    if (this.spec.preStop) await runPreStop(this.spec.preStop, this.spec.name, this.options.logs);
    signalGroup(child, 'SIGTERM');
    const killTimer = setTimeout(() => {
      this.options.logs.supervisor('warn', `${this.spec.name} did not stop in time; killing it`);
      signalGroup(child, 'SIGKILL');
    }, this.options.stopTimeoutMs);
    await this.exited;
    clearTimeout(killTimer);
    // The group may hold children of the component (e.g. a shell's); leave none behind.
    signalGroup(child, 'SIGKILL');
    this.setState('stopped');
  }

  status(): ComponentStatus {
    const addresses = this.spec.listen.map((a) => `${a.host}:${a.port}`);
    return {
      name: this.spec.name,
      tier: this.spec.tier,
      ...(this.spec.service ? { service: this.spec.service } : {}),
      ...(this.spec.sidecar ? { sidecar: this.spec.sidecar } : {}),
      state: this.state,
      ...(this.child?.pid && this.isRunning() ? { pid: this.child.pid } : {}),
      addresses,
      ...(this.startedAt ? { startedAt: this.startedAt } : {}),
      restarts: this.restarts,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private isRunning(): boolean {
    const child = this.child;
    return (
      !!child?.pid && child.exitCode === null && child.signalCode === null && !this.ended.has(child)
    );
  }

  private launch(): void {
    const { spec, options } = this;
    this.setState(this.everReady || this.restarts > 0 ? 'restarting' : 'starting');
    const child = spawn(spec.command, [...spec.args], {
      env: { ...process.env, ...spec.env },
      // Its own process group: the terminal's Ctrl-C reaches only the supervisor, which
      // then stops components in order, and a stop reaches the component's children too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.startedAt = new Date().toISOString();
    options.logs.attach(spec.name, child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(child, describeExit(code, signal));
        resolve();
      });
      child.once('error', (error) => {
        // Spawn failures (e.g. command not found) arrive here, with no 'exit' after them.
        this.onExit(child, `could not start: ${error.message}`);
        resolve();
      });
    });
    this.emit('change');
    waitUntilReady(spec.readiness, () => this.isRunning()).then(
      () => this.onReady(child),
      (error: Error) => this.onNotReady(child, error),
    );
  }

  private onReady(child: ChildProcess): void {
    if (child !== this.child || this.stopping) return;
    this.everReady = true;
    this.error = undefined;
    this.setState('ready');
    this.options.logs.supervisor('info', `${this.spec.name} is ready (pid ${child.pid})`);
    clearTimeout(this.resetTimer);
    this.resetTimer = setTimeout(() => {
      this.consecutiveFailures = 0;
    }, this.options.backoff.resetAfterMs);
    this.resetTimer.unref();
    this.settleStart?.resolve();
    this.settleStart = undefined;
  }

  private onNotReady(child: ChildProcess, error: Error): void {
    if (child !== this.child || this.stopping) return;
    // An exit is handled by onExit; a live process that never became ready is killed so
    // that onExit's restart logic applies to it too.
    if (this.isRunning()) {
      this.killReasons.set(child, `was killed: ${error.message}`);
      signalGroup(child, 'SIGKILL');
    }
  }

  private onExit(child: ChildProcess, reason: string): void {
    if (this.ended.has(child)) return;
    this.ended.add(child);
    reason = this.killReasons.get(child) ?? reason;
    if (child !== this.child || this.state === 'stopped' || this.state === 'failed') return;
    this.lastExit = reason;
    if (this.stopping) return;
    clearTimeout(this.resetTimer);
    this.consecutiveFailures += 1;
    const tail = this.options.logs.recentLines(this.spec.name, 5);
    this.options.logs.supervisor('error', `${this.spec.name} ${reason}`, { lastLines: tail });
    if (!this.everReady && this.consecutiveFailures >= this.options.maxStartAttempts) {
      this.error = `${reason}; gave up after ${this.consecutiveFailures} attempts`;
      this.setState('failed');
      this.settleStart?.reject(new Error(`${this.spec.name}: ${this.error}`));
      this.settleStart = undefined;
      return;
    }
    const delay = restartDelayMs(this.options.backoff, this.consecutiveFailures - 1);
    this.options.logs.supervisor('warn', `restarting ${this.spec.name} in ${delay} ms`);
    this.restarts += 1;
    this.setState('restarting');
    this.restartTimer = setTimeout(() => this.launch(), delay);
  }

  private setState(state: ComponentState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('change');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  return `exited with code ${code}`;
}

/**
 * Kubernetes' preStop hook, for the same reason: take the instance out of its callers' sets
 * and give that a moment to reach them before the process starts refusing connections. A hook
 * that fails only costs that moment; the stop goes on.
 */
async function runPreStop(preStop: PreStop, name: string, logs: LogSink): Promise<void> {
  try {
    const response = await fetch(preStop.url, {
      method: 'POST',
      signal: AbortSignal.timeout(PRE_STOP_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    logs.supervisor('warn', `${name}: pre-stop ${preStop.url} failed: ${(error as Error).message}`);
    return;
  }
  await sleep(preStop.settleMs);
}
