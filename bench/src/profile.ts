/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and ranks functions by self time: the time the
 * sampler found the function itself on top of the stack, callees excluded. Samples are
 * weighted by their time deltas, so an irregular sampling interval does not skew the ranking.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly functionName: string;
  /** `path:line`, relative to the repository for our own files; node: and npm paths as given. */
  readonly location: string;
  readonly selfMs: number;
  /** Share of the busy time (samples not in `(idle)`). */
  readonly percentOfBusy: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly top: readonly SelfTime[];
  /** Self time by where the code lives: a node: module, a package of ours, an npm package. */
  readonly areas: readonly {
    readonly area: string;
    readonly selfMs: number;
    readonly percentOfBusy: number;
  }[];
}

const root = new URL('../../', import.meta.url).pathname;

export function topSelfTime(path: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
  const areaUs = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      return;
    }
    const source = originalPosition(frame.url, frame.lineNumber, frame.columnNumber);
    const location = source ? `${source.path}:${source.line + 1}` : '';
    const key = `${frame.functionName}@${location}`;
    const entry = selfUs.get(key) ?? {
      name: shorten(frame.functionName || '(anonymous)'),
      location,
      us: 0,
    };
    entry.us += us;
    selfUs.set(key, entry);
    const area = areaOf(source?.path ?? '', frame.functionName);
    areaUs.set(area, (areaUs.get(area) ?? 0) + us);
  });
  const busyUs = Math.max(1, totalUs - idleUs);
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({
      functionName: e.name,
      location: e.location,
      selfMs: e.us / 1000,
      percentOfBusy: (100 * e.us) / busyUs,
    }));
  const areas = [...areaUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([area, us]) => ({ area, selfMs: us / 1000, percentOfBusy: (100 * us) / busyUs }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, top, areas };
}

/**
 * `node:internal/http2/core` → `node:http2`, `packages/proxy/src/outbound/forward.ts` →
 * `packages/proxy/src/outbound`, an npm package by name; native frames (syscalls, GC) by name.
 */
function shorten(name: string): string {
  return name.length > 60 ? `${name.slice(0, 57)}…` : name;
}

function areaOf(path: string, functionName: string): string {
  if (!path)
    return functionName.startsWith('(') ? functionName : `native: ${shorten(functionName)}`;
  const internal = /^node:(?:internal\/)?([^/:]+)/.exec(path);
  if (internal) return `node:${internal[1]!.replace(/^_/, '').replace(/_.*$/, '')}`;
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (npm) return `npm: ${npm[1]}`;
  const ours = /^(packages|services|bench)\/[^/]+\/src(?:\/[^/]+(?=\/))?/.exec(path);
  return ours ? ours[0] : path;
}

/**
 * Where a frame's code came from: through the file's inline source map when it has one (the
 * bundled proxy), so that a bundle's line 9,000 reads as `packages/proxy/src/…ts:42`.
 */
function originalPosition(
  url: string,
  line: number,
  column: number,
): { path: string; line: number } | undefined {
  if (!url) return undefined;
  if (!url.startsWith('file://')) return { path: url, line };
  const file = new URL(url).pathname;
  const map = sourceMapOf(file);
  const entry = map?.findEntry(line, column) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    return { path: repositoryPath(entry.originalSource), line: entry.originalLine };
  }
  return { path: repositoryPath(file), line };
}

const maps = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
  if (maps.has(file)) return maps.get(file);
  let map: SourceMap | undefined;
  try {
    const text = readFileSync(file, 'utf8');
    const marker = '//# sourceMappingURL=data:application/json;base64,';
    const at = text.lastIndexOf(marker);
    if (at !== -1) {
      const json = Buffer.from(text.slice(at + marker.length).trim(), 'base64').toString('utf8');
      map = new SourceMap(JSON.parse(json));
    }
  } catch {
    // Gone or unreadable: positions stay the bundle's.
  }
  maps.set(file, map);
  return map;
}

/** Repository-relative for our sources (also those bundled from a snapshot of HEAD). */
function repositoryPath(path: string): string {
  const clean = path.replace(/^file:\/\//, '');
  const ours = /(?:^|\/)((?:packages|services|bench|scripts)\/.*)$/.exec(clean);
  if (ours && !clean.includes('node_modules/')) return ours[1]!;
  const npm = /node_modules\/(.*)$/.exec(clean);
  if (npm) return `node_modules/${npm[1]}`;
  return clean.startsWith(root) ? relative(root, clean) : clean;
}
