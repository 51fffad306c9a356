/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and ranks functions by self time: the time the
 * sampler found the function itself on top of the stack, callees excluded. Samples are
 * weighted by their time deltas, so an irregular sampling interval does not skew the ranking.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
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
}

const root = new URL('../../', import.meta.url).pathname;

export function topSelfTime(path: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; location: string; us: number }>();
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
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${location}`;
    const entry = selfUs.get(key) ?? {
      name: frame.functionName || '(anonymous)',
      location,
      us: 0,
    };
    entry.us += us;
    selfUs.set(key, entry);
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
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, top };
}

function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = new URL(url).pathname;
  return path.startsWith(root) ? relative(root, path) : path;
}
