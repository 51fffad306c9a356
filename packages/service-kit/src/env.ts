/**
 * The environment contract between the supervisor (`fusion up`) and a service process, read and
 * checked once at start. Every problem names the variable, the value and what was expected, so a
 * bad start is fixed from the first line of output.
 */
import { isLogLevel, LOG_LEVELS, type LogLevel } from '@fusion/telemetry';

export interface ServiceEnv {
  /** FUSION_SERVICE_NAME, when the supervisor set it. */
  readonly serviceName: string | undefined;
  /** PORT: where the app listens. */
  readonly port: number;
  /** HOST: bind address (default 127.0.0.1: the sidecar, not the world, talks to the app). */
  readonly host: string;
  /** LOG_LEVEL (default info). */
  readonly logLevel: LogLevel;
  /** FUSION_DEPENDENCIES: services this one calls. */
  readonly dependencies: readonly string[];
  /** FUSION_MESH_ENDPOINTS: service name → base URL, for calls made without a sidecar. */
  readonly meshEndpoints: Readonly<Record<string, string>>;
  /** FUSION_MESH_OUTBOUND: the local outbound proxy; when set, every mesh call goes through it. */
  readonly meshOutbound: string | undefined;
  /** DATABASE_URL, for services that own data. */
  readonly databaseUrl: string | undefined;
  /** REDIS_URL; without it the key-value store is in-process memory. */
  readonly redisUrl: string | undefined;
  /** FUSION_SHUTDOWN_TIMEOUT_MS (default 10000): how long a drain may take before exit 1. */
  readonly shutdownTimeoutMs: number;
  /** FUSION_LOG_LEVEL_FILE: a file whose content, when it changes, becomes the log level. */
  readonly logLevelFile: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the OTLP/HTTP collector spans go to; unset, none are recorded. */
  readonly otlpEndpoint: string | undefined;
  /**
   * FUSION_TRACE_SAMPLING (0–1, default 1): share of traces this app starts that are kept. Most
   * start at the sidecar in front, which has decided already; a caller's decision always wins.
   */
  readonly traceSampling: number;
}

/** A missing or malformed variable. `code` is stable for callers that branch on it. */
export class EnvError extends Error {
  readonly code = 'FUSION_ERR_ENV_INVALID';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`invalid environment: ${problem}`);
    this.name = 'EnvError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const SERVICE_NAME = /^[a-z][a-z0-9-]*$/;

/** Reads and validates the contract; throws `EnvError` on the first problem. */
export function readServiceEnv(env: Env = process.env): ServiceEnv {
  return {
    serviceName: optional(env, 'FUSION_SERVICE_NAME', parseServiceName),
    port: required(env, 'PORT', 'a port number (1-65535)', parsePort),
    host: optional(env, 'HOST', parseHost) ?? '127.0.0.1',
    logLevel: optional(env, 'LOG_LEVEL', parseLogLevel) ?? 'info',
    dependencies: optional(env, 'FUSION_DEPENDENCIES', parseDependencies) ?? [],
    meshEndpoints: optional(env, 'FUSION_MESH_ENDPOINTS', parseEndpoints) ?? {},
    meshOutbound: optional(env, 'FUSION_MESH_OUTBOUND', parseHttpUrl),
    databaseUrl: optional(env, 'DATABASE_URL', parseUrlWith(['postgres:', 'postgresql:'])),
    redisUrl: optional(env, 'REDIS_URL', parseUrlWith(['redis:', 'rediss:'])),
    shutdownTimeoutMs: optional(env, 'FUSION_SHUTDOWN_TIMEOUT_MS', parseTimeout) ?? 10_000,
    logLevelFile: optional(env, 'FUSION_LOG_LEVEL_FILE', (value) => value),
    otlpEndpoint: optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', parseHttpUrl),
    traceSampling: optional(env, 'FUSION_TRACE_SAMPLING', parseRatio) ?? 1,
  };
}

/** Why a value was refused: the text after `NAME="value"`. */
class Invalid {
  constructor(readonly reason: string) {}
}

/** The parsed value, or why it was refused. */
type Parser<T> = (value: string) => T | Invalid;

function optional<T>(env: Env, name: string, parse: Parser<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const result = parse(raw.trim());
  if (result instanceof Invalid) {
    throw new EnvError(name, `${name}=${JSON.stringify(clip(redact(raw)))} ${result.reason}`);
  }
  return result;
}

function required<T>(env: Env, name: string, expected: string, parse: Parser<T>): T {
  const value = optional(env, name, parse);
  if (value === undefined) throw new EnvError(name, `${name} is not set (expected ${expected})`);
  return value;
}

/** Hides URL credentials: an error message ends up in logs. */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}

function clip(raw: string): string {
  return raw.length > 120 ? `${raw.slice(0, 117)}...` : raw;
}

function parseServiceName(value: string): string | Invalid {
  return SERVICE_NAME.test(value)
    ? value
    : new Invalid('is not a service name (lower-case letters, digits and -)');
}

function parsePort(value: string): number | Invalid {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return port >= 1 && port <= 65535 ? port : new Invalid('is not a port number (1-65535)');
}

function parseHost(value: string): string | Invalid {
  return /\s|\//.test(value) ? new Invalid('is not a bind address (e.g. 127.0.0.1)') : value;
}

function parseLogLevel(value: string): LogLevel | Invalid {
  return isLogLevel(value) ? value : new Invalid(`is not a log level (${LOG_LEVELS.join(', ')})`);
}

function parseDependencies(value: string): string[] | Invalid {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.find((name) => !SERVICE_NAME.test(name));
  return bad === undefined
    ? names
    : new Invalid(`is not a comma-separated list of service names ("${bad}" is not one)`);
}

function parseEndpoints(value: string): Record<string, string> | Invalid {
  const expected = 'is not a JSON object of service name to http(s) base URL';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return new Invalid(`${expected} (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new Invalid(expected);
  }
  const endpoints: Record<string, string> = {};
  for (const [name, url] of Object.entries(parsed)) {
    const checked = typeof url === 'string' ? parseHttpUrl(url) : new Invalid('');
    if (!SERVICE_NAME.test(name) || checked instanceof Invalid) {
      return new Invalid(`${expected} (entry "${name}" is not)`);
    }
    endpoints[name] = checked;
  }
  return endpoints;
}

function parseHttpUrl(value: string): string | Invalid {
  return parseUrlWith(['http:', 'https:'])(value);
}

function parseUrlWith(protocols: readonly string[]): Parser<string> {
  return (value) => {
    const expected = new Invalid(`is not a URL (expected ${protocols.join('//… or ')}//…)`);
    if (!URL.canParse(value)) return expected;
    return protocols.includes(new URL(value).protocol) ? value.replace(/\/+$/, '') : expected;
  };
}

function parseRatio(value: string): number | Invalid {
  const ratio = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
  return ratio <= 1 ? ratio : new Invalid('is not a sampling ratio (a number from 0 to 1)');
}

function parseTimeout(value: string): number | Invalid {
  const ms = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return ms > 0 ? ms : new Invalid('is not a positive whole number of milliseconds');
}
