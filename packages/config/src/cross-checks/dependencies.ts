/**
 * `dependsOn` decides start order, so every name must be a service, none may be the service
 * itself, and the graph must have no cycles: a cycle would leave `fusion up` waiting forever
 * for services that each wait for the other. `versionOf` must name a first version.
 */
import { At, type Context, type Located } from '../schema/index.ts';
import type { ServiceDraft } from '../sections/services.ts';
import { suggestion } from '../suggest.ts';

interface Edge {
  readonly to: string;
  readonly item: Located<string>;
}

/** Reports bad names and returns the edges that point at real, other services. */
function checkNames(services: readonly ServiceDraft[], ctx: Context): Map<string, Edge[]> {
  const names = services.map((s) => s.name);
  const known = new Set(names);
  const graph = new Map<string, Edge[]>();
  for (const service of services) {
    const edges: Edge[] = [];
    for (const item of service.dependsOn) {
      const at = new At(ctx, item.path);
      const dep = item.value;
      if (dep === service.name) {
        at.error(item.node, `service '${dep}' cannot depend on itself`);
      } else if (!known.has(dep)) {
        const others = names.filter((n) => n !== service.name);
        at.error(item.node, `unknown service '${dep}'${suggestion(dep, others, 'known services')}`);
      } else if (edges.some((e) => e.to === dep)) {
        at.error(item.node, `'${dep}' is listed twice`);
      } else {
        edges.push({ to: dep, item });
      }
    }
    graph.set(service.name, edges);
  }
  return graph;
}

/** Each distinct cycle once, as the edges around it, starting at its earliest service. */
function findCycles(order: readonly string[], graph: Map<string, Edge[]>): Edge[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: Edge[] = [];
  const cycles = new Map<string, Edge[]>();
  const rank = (name: string) => order.indexOf(name);
  const visit = (name: string) => {
    state.set(name, 'visiting');
    for (const edge of graph.get(name) ?? []) {
      const seen = state.get(edge.to);
      if (seen === 'visiting') {
        const start = stack.findIndex((e) => e.to === edge.to);
        const loop = [...stack.slice(start + 1), edge];
        const first = loop.reduce(
          (best, e, i) => (rank(e.to) < rank(loop[best]!.to) ? i : best),
          0,
        );
        // Rotate so the loop begins with the edge leaving its earliest service.
        const rotated = [...loop.slice(first + 1), ...loop.slice(0, first + 1)];
        cycles.set(rotated.map((e) => e.to).join(' '), rotated);
      } else if (seen === undefined) {
        stack.push(edge);
        visit(edge.to);
        stack.pop();
      }
    }
    state.set(name, 'done');
  };
  for (const name of order) {
    if (state.get(name) === undefined) {
      stack.push({ to: name, item: { value: name, node: undefined, path: '' } });
      visit(name);
      stack.pop();
    }
  }
  return [...cycles.values()];
}

/**
 * `versionOf` names another service, one that is not itself a version: the program a version
 * runs is always a first version's, so a chain could only be a mistake.
 */
function checkVersions(services: readonly ServiceDraft[], ctx: Context): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const service of services) {
    const of = service.versionOf;
    if (!of) continue;
    const at = new At(ctx, of.path);
    const original = byName.get(of.value);
    if (of.value === service.name) {
      at.error(of.node, `service '${of.value}' cannot be a version of itself`);
    } else if (!original) {
      const others = services.map((s) => s.name).filter((n) => n !== service.name);
      at.error(
        of.node,
        `unknown service '${of.value}'${suggestion(of.value, others, 'known services')}`,
      );
    } else if (original.versionOf) {
      const reason = `'${of.value}' is itself a version of '${original.versionOf.value}'; name '${original.versionOf.value}'`;
      at.error(of.node, reason);
    }
  }
}

export function checkDependencies(services: readonly ServiceDraft[], ctx: Context): void {
  checkVersions(services, ctx);
  const graph = checkNames(services, ctx);
  const order = services.map((s) => s.name);
  for (const loop of findCycles(order, graph)) {
    const first = loop[0]!;
    const names = [loop[loop.length - 1]!.to, ...loop.map((e) => e.to)];
    new At(ctx, first.item.path).error(first.item.node, `dependency cycle: ${names.join(' -> ')}`);
  }
}
