/**
 * Runs a plan: starts each component once what it depends on is ready (tiers overlap where
 * nothing in one needs the other), keeps components alive, publishes state for `fusion status`,
 * and stops everything in reverse order: tier by tier, dependents first.
 */
import { EventEmitter } from 'node:events';
import { type BackoffPolicy, DEFAULT_BACKOFF } from './backoff.ts';
import { Component } from './component.ts';
import type { LogSink } from './log-sink.ts';
import { type ComponentSpec, TIERS } from './plan.ts';
import type { SupervisorPhase, SupervisorState } from './state-file.ts';

export interface SupervisorOptions {
  readonly logs: LogSink;
  readonly configFile: string;
  readonly stateDir: string;
  readonly backoff?: BackoffPolicy;
  readonly maxStartAttempts?: number;
  readonly stopTimeoutMs?: number;
}

/** Emits `change` with a fresh SupervisorState whenever anything changes. */
/** What `reconcile` did, by component name. */
export interface ReconcileReport {
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  /** Restarted because their command, arguments, environment or addresses changed. */
  readonly restarted: readonly string[];
}

export class Supervisor extends EventEmitter {
  private components: Component[];
  private readonly options: SupervisorOptions;
  private readonly startedAt = new Date().toISOString();
  private phase: SupervisorPhase = 'starting';
  private error: string | undefined;
  private stopRequested = false;

  constructor(specs: readonly ComponentSpec[], options: SupervisorOptions) {
    super();
    this.options = options;
    this.components = specs.map((spec) => this.create(spec));
  }

  private create(spec: ComponentSpec): Component {
    const component = new Component(spec, {
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      logs: this.options.logs,
      maxStartAttempts: this.options.maxStartAttempts ?? 5,
      stopTimeoutMs: this.options.stopTimeoutMs ?? 15_000,
    });
    component.on('change', () => this.publish());
    return component;
  }

  /**
   * Resolves when every component is ready; rejects with the failures otherwise. Every component
   * starts as soon as its `dependsOn` are ready, whatever its tier (decision 0016): the control
   * plane and the sidecars come up while PostgreSQL initialises, and only what needs the
   * database waits for it. A component whose dependency failed fails with it, unstarted.
   */
  async start(): Promise<void> {
    this.publish();
    const announced = new Set<string>();
    const announce = (component: Component) => {
      const tier = component.spec.tier;
      if (announced.has(tier)) return;
      announced.add(tier);
      const members = this.components.filter((c) => c.spec.tier === tier);
      this.options.logs.supervisor(
        'info',
        `starting ${tier}: ${members.map((c) => c.spec.name).join(', ')}`,
      );
    };
    // Listed tier by tier, so that the log and the console show them in the seed's order.
    const ordered = TIERS.flatMap((tier) => this.components.filter((c) => c.spec.tier === tier));
    const failures = await startInOrder(ordered, announce);
    if (this.stopRequested) throw new Error('stopped while starting');
    if (failures.length > 0) {
      this.error = [...new Set(failures)].join('; ');
      this.setPhase('failed');
      throw new Error(this.error);
    }
    this.setPhase('running');
  }

  /** Stops components in reverse: later tiers first, dependents before what they depend on. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.phase !== 'failed') this.setPhase('stopping');
    for (const tier of [...TIERS].reverse()) {
      await stopInOrder(this.components.filter((c) => c.spec.tier === tier));
    }
    if (this.phase !== 'failed') this.setPhase('stopped');
  }

  /**
   * Brings the running set to `specs` (a new plan after fusion.yaml changed): stops what is
   * gone (dependents first, so an app drains before its sidecar), restarts what changed,
   * starts what is new (dependencies first), and leaves everything else running untouched.
   * A component's `dependsOn` alone changing (a dependency scaled) is not a change.
   */
  async reconcile(specs: readonly ComponentSpec[]): Promise<ReconcileReport> {
    if (this.phase !== 'running') throw new Error(`cannot apply a new plan while ${this.phase}`);
    const wanted = new Map(specs.map((spec) => [spec.name, spec]));
    const current = new Map(this.components.map((c) => [c.spec.name, c]));
    const gone = this.components.filter((c) => !wanted.has(c.spec.name));
    const changed = this.components.filter((c) => {
      const spec = wanted.get(c.spec.name);
      return spec !== undefined && runsDifferently(c.spec, spec);
    });
    for (const name of changed.flatMap((c) => c.spec.restartsWith ?? [])) {
      const partner = current.get(name);
      if (partner && wanted.has(name) && !changed.includes(partner)) changed.push(partner);
    }
    await stopInOrder([...gone, ...changed]);
    const fresh = specs
      .filter((spec) => !current.has(spec.name) || changed.some((c) => c.spec.name === spec.name))
      .map((spec) => this.create(spec));
    const kept = new Map(
      this.components
        .filter((c) => !gone.includes(c) && !changed.includes(c))
        .map((c) => [c.spec.name, c]),
    );
    // File order, as a fresh start would list them.
    this.components = specs.map(
      (spec) => kept.get(spec.name) ?? fresh.find((c) => c.spec.name === spec.name)!,
    );
    this.publish();
    const failures = await startInOrder(fresh);
    if (failures.length > 0)
      this.options.logs.supervisor('error', `reload: ${failures.join('; ')}`);
    const report = {
      started: fresh
        .filter((c) => !changed.some((o) => o.spec.name === c.spec.name))
        .map((c) => c.spec.name),
      stopped: gone.map((c) => c.spec.name),
      restarted: changed.map((c) => c.spec.name),
    };
    this.publish();
    return report;
  }

  snapshot(): SupervisorState {
    return {
      pid: process.pid,
      phase: this.phase,
      startedAt: this.startedAt,
      configFile: this.options.configFile,
      stateDir: this.options.stateDir,
      ...(this.error ? { error: this.error } : {}),
      components: this.components.map((c) => c.status()),
    };
  }

  private setPhase(phase: SupervisorPhase): void {
    this.phase = phase;
    this.publish();
  }

  private publish(): void {
    this.emit('change', this.snapshot());
  }
}

/**
 * Starts `members`, each after those of them it depends on (`beforeStart` is told just before
 * each launch); the failures' messages.
 */
async function startInOrder(
  members: readonly Component[],
  beforeStart: (component: Component) => void = () => {},
): Promise<string[]> {
  const ready = new Map<string, Promise<void>>();
  const startAfterDependencies = (component: Component): Promise<void> => {
    let done = ready.get(component.spec.name);
    if (!done) {
      const deps = members.filter((m) => component.spec.dependsOn.includes(m.spec.name));
      // A component whose dependency failed never starts; it fails with that failure.
      done = Promise.all(deps.map(startAfterDependencies)).then(() => {
        beforeStart(component);
        return component.start();
      });
      ready.set(component.spec.name, done);
    }
    return done;
  };
  members.forEach(startAfterDependencies);
  const outcomes = await Promise.allSettled(ready.values());
  return outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason.message));
}

/** Stops `members`, each after those of them that depend on it. */
async function stopInOrder(members: readonly Component[]): Promise<void> {
  const stopping = new Map<string, Promise<void>>();
  const stopAfterDependents = (component: Component): Promise<void> => {
    let done = stopping.get(component.spec.name);
    if (!done) {
      const dependents = members.filter((m) => m.spec.dependsOn.includes(component.spec.name));
      done = Promise.all(dependents.map(stopAfterDependents)).then(() => component.stop());
      stopping.set(component.spec.name, done);
    }
    return done;
  };
  await Promise.all(members.map(stopAfterDependents));
}

function runsDifferently(a: ComponentSpec, b: ComponentSpec): boolean {
  const runs = (s: ComponentSpec) =>
    JSON.stringify([s.command, s.args, s.env, s.listen, s.tier, s.readiness]);
  return runs(a) !== runs(b);
}
