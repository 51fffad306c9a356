/**
 * Runs a plan: starts tiers in order (each waits for the previous one to be ready, and inside
 * a tier each component waits for its dependencies), keeps components alive, publishes state
 * for `fusion status`, and stops everything in reverse order.
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
export class Supervisor extends EventEmitter {
  private readonly components: Component[];
  private readonly options: SupervisorOptions;
  private readonly startedAt = new Date().toISOString();
  private phase: SupervisorPhase = 'starting';
  private error: string | undefined;
  private stopRequested = false;

  constructor(specs: readonly ComponentSpec[], options: SupervisorOptions) {
    super();
    this.options = options;
    this.components = specs.map(
      (spec) =>
        new Component(spec, {
          backoff: options.backoff ?? DEFAULT_BACKOFF,
          logs: options.logs,
          maxStartAttempts: options.maxStartAttempts ?? 5,
          stopTimeoutMs: options.stopTimeoutMs ?? 15_000,
        }),
    );
    for (const component of this.components) component.on('change', () => this.publish());
  }

  /** Resolves when every component is ready; rejects with the failures otherwise. */
  async start(): Promise<void> {
    this.publish();
    for (const tier of TIERS) {
      if (this.stopRequested) throw new Error('stopped while starting');
      const members = this.components.filter((c) => c.spec.tier === tier);
      if (members.length === 0) continue;
      this.options.logs.supervisor(
        'info',
        `starting ${tier}: ${members.map((c) => c.spec.name).join(', ')}`,
      );
      const ready = new Map<string, Promise<void>>();
      const startAfterDependencies = (component: Component): Promise<void> => {
        let done = ready.get(component.spec.name);
        if (!done) {
          const deps = members.filter((m) => component.spec.dependsOn.includes(m.spec.name));
          // A component whose dependency failed never starts; it fails with that failure.
          done = Promise.all(deps.map(startAfterDependencies)).then(() => component.start());
          ready.set(component.spec.name, done);
        }
        return done;
      };
      members.forEach(startAfterDependencies);
      const outcomes = await Promise.allSettled(ready.values());
      if (this.stopRequested) throw new Error('stopped while starting');
      const failures = outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => String(o.reason.message));
      if (failures.length > 0) {
        this.error = [...new Set(failures)].join('; ');
        this.setPhase('failed');
        throw new Error(this.error);
      }
    }
    this.setPhase('running');
  }

  /** Stops components in reverse: later tiers first, dependents before what they depend on. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.phase !== 'failed') this.setPhase('stopping');
    for (const tier of [...TIERS].reverse()) {
      const members = this.components.filter((c) => c.spec.tier === tier);
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
    if (this.phase !== 'failed') this.setPhase('stopped');
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
