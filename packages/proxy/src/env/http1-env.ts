/**
 * The HTTP/1.1 engine's limits and timeouts (h1/limits.ts, h1/server.ts), as the sidecar reads
 * them from its environment; each unset one keeps the engine's default. The bounds refuse
 * values that would break ordinary traffic (a 100-byte header section) or defeat the limit.
 */
import { DEFAULT_H1_LIMITS } from '../h1/limits.ts';
import type { H1ServerOptions } from '../h1/server.ts';
import { PROXY_ENV } from './names.ts';
import type { EnvReader } from './reader.ts';
import { parseDuration, parseWholeNumber } from './values.ts';

export const HTTP1_BOUNDS = {
  maxRequestLineBytes: [256, 1_048_576],
  maxHeaderBytes: [1_024, 16_777_216],
  maxHeaders: [8, 10_000],
  /** ms */
  headerTimeout: [100, 3_600_000],
  idleTimeout: [1_000, 86_400_000],
} as const;

export const DEFAULT_HEADER_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export function readHttp1Env(read: EnvReader): Required<H1ServerOptions> {
  const whole = (variable: string, [min, max]: readonly [number, number], what: string) =>
    read.optional(variable, `a whole number of ${what} from ${min} to ${max}`, (text) =>
      parseWholeNumber(text, min, max),
    );
  const duration = (variable: string, [min, max]: readonly [number, number]) =>
    read.optional(
      variable,
      `a duration from ${min} ms to ${max / 3_600_000} h, such as 10s`,
      (t) => {
        const ms = parseDuration(t);
        return ms !== undefined && ms >= min && ms <= max ? ms : undefined;
      },
    );
  const defaults = DEFAULT_H1_LIMITS;
  return {
    limits: {
      ...defaults,
      maxStartLineBytes:
        whole(PROXY_ENV.http1MaxRequestLineBytes, HTTP1_BOUNDS.maxRequestLineBytes, 'bytes') ??
        defaults.maxStartLineBytes,
      maxHeaderBytes:
        whole(PROXY_ENV.http1MaxHeaderBytes, HTTP1_BOUNDS.maxHeaderBytes, 'bytes') ??
        defaults.maxHeaderBytes,
      maxFields:
        whole(PROXY_ENV.http1MaxHeaders, HTTP1_BOUNDS.maxHeaders, 'header fields') ??
        defaults.maxFields,
    },
    headerTimeoutMs:
      duration(PROXY_ENV.http1HeaderTimeout, HTTP1_BOUNDS.headerTimeout) ??
      DEFAULT_HEADER_TIMEOUT_MS,
    idleTimeoutMs:
      duration(PROXY_ENV.http1IdleTimeout, HTTP1_BOUNDS.idleTimeout) ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxPipelined: 16,
  };
}
