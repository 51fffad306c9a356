/**
 * The parameters of `GET /api/traces` as Jaeger's query service reads them — `service`,
 * `operation`, `limit`, `start`/`end` (µs since the epoch), `lookback` (`1h`, `2d`; `custom`
 * means start/end say it), `minDuration`/`maxDuration` (Go's spelling: `1.5ms`, `2s`), `tags`
 * (a JSON object) or `tag=key:value` — plus `sort=slowest`, ours, for `fusion traces --slowest`
 * (Jaeger has no order). A bad value is a QueryError naming the parameter: the client sent it.
 */
import type { TraceQuery } from './store.ts';

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

/** Jaeger UI's default page. */
export const DEFAULT_LIMIT = 20;

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g;

/** `1.5ms`, `2h30m`, `7d` in milliseconds; undefined when it is none of these. */
export function parseGoDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * MS_PER_UNIT[unit!]!;
  }
  return total;
}

/** The search `params` ask for, at most `maxLimit` traces. */
export function parseTraceQuery(params: URLSearchParams, maxLimit: number): TraceQuery {
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const service = text('service');
  const operation = text('operation');
  const lookback = text('lookback');
  const minDurationMs = duration(text('minDuration'), 'minDuration');
  const maxDurationMs = duration(text('maxDuration'), 'maxDuration');
  const startMinMs = micros(text('start'), 'start');
  const startMaxMs = micros(text('end'), 'end');
  const tags = tagsOf(params);
  const order = text('sort') ?? 'newest';
  if (order !== 'newest' && order !== 'slowest') {
    throw new QueryError(`sort: expected newest or slowest, got ${JSON.stringify(order)}`);
  }
  return {
    limit: limitOf(text('limit'), maxLimit),
    order,
    ...(service !== undefined && { service }),
    ...(operation !== undefined && { operation }),
    // `custom` is what Jaeger's UI sends when start and end carry the window.
    ...(lookback !== undefined &&
      lookback !== 'custom' && { lookbackMs: duration(lookback, 'lookback') }),
    ...(startMinMs !== undefined && { startMinMs }),
    ...(startMaxMs !== undefined && { startMaxMs }),
    ...(minDurationMs !== undefined && { minDurationMs }),
    ...(maxDurationMs !== undefined && { maxDurationMs }),
    ...(Object.keys(tags).length > 0 && { tags }),
  };
}

/** A trace id as Jaeger takes it (1–32 hex digits, a 64-bit one unpadded) in our 32-digit form. */
export function normaliseTraceId(text: string): string | undefined {
  if (!/^[0-9a-fA-F]{1,32}$/.test(text)) return undefined;
  return text.toLowerCase().padStart(32, '0');
}

function limitOf(text: string | undefined, maxLimit: number): number {
  if (text === undefined) return Math.min(DEFAULT_LIMIT, maxLimit);
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1) {
    throw new QueryError(`limit: expected a whole number >= 1, got ${JSON.stringify(text)}`);
  }
  return Math.min(limit, maxLimit);
}

function duration(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw new QueryError(
      `${name}: expected a duration such as 500us, 10ms, 1.5s or 1h, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function micros(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    throw new QueryError(
      `${name}: expected microseconds since the epoch, got ${JSON.stringify(text)}`,
    );
  }
  return Number(text) / 1000;
}

function tagsOf(params: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  const json = params.get('tags')?.trim();
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new QueryError(`tags: expected a JSON object such as {"error":"true"}, got ${json}`);
    }
    for (const [key, value] of Object.entries(parsed)) tags[key] = String(value);
  }
  for (const pair of params.getAll('tag')) {
    const colon = pair.indexOf(':');
    if (colon < 1) throw new QueryError(`tag: expected key:value, got ${JSON.stringify(pair)}`);
    tags[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return tags;
}
