/**
 * The control-plane program's environment, read and checked once at start. Each problem names
 * the variable and what was expected, because it becomes the one fatal line an operator sees.
 */
import { statSync } from 'node:fs';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '@fusion/telemetry';

export interface ListenAddress {
  readonly host: string;
  /** 0 asks the OS for a free port (tests); the bound one is logged. */
  readonly port: number;
}

export interface ControlPlaneEnv {
  /** FUSION_CONFIG: path of fusion.yaml. */
  readonly configPath: string;
  /** FUSION_PKI_DIR: the directory `fusion identity init` wrote. */
  readonly pkiDir: string;
  /** FUSION_IDENTITY_LISTEN_ADDR (default 127.0.0.1:8080, the seed's identity port). */
  readonly identityListen: ListenAddress;
  /** FUSION_DESTINATION_LISTEN_ADDR (default 127.0.0.1:8086, the seed's destination port). */
  readonly destinationListen: ListenAddress;
  /** FUSION_CONTROL_PLANE_ADMIN_ADDR (default 127.0.0.1:9990). */
  readonly adminListen: ListenAddress;
  /** FUSION_API_LISTEN_ADDR (default 127.0.0.1:8084): the public API, plain HTTP. */
  readonly apiListen: ListenAddress;
  /**
   * FUSION_TRACE_RECEIVER_ADDR: the embedded trace receiver (the seed's 4318). Unset, it does
   * not run — what the supervisor does when fusion.yaml names a collector instead.
   */
  readonly traceReceiverListen: ListenAddress | undefined;
  /** LOG_LEVEL; when unset, fusion.yaml's logging.level applies. */
  readonly logLevel: LogLevel | undefined;
}

export class EnvError extends Error {
  override readonly name = 'EnvError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function readControlPlaneEnv(env: Env = process.env): ControlPlaneEnv {
  const configPath = required(env, 'FUSION_CONFIG', 'the path of fusion.yaml');
  const pkiDir = required(env, 'FUSION_PKI_DIR', 'the PKI directory `fusion identity init` wrote');
  if (!isDirectory(pkiDir)) {
    throw new EnvError(
      'FUSION_PKI_DIR',
      `FUSION_PKI_DIR=${JSON.stringify(pkiDir)} is not a directory; run \`fusion identity init\` first`,
    );
  }
  const level = env.LOG_LEVEL?.trim();
  if (level && !isLogLevel(level)) {
    throw new EnvError(
      'LOG_LEVEL',
      `LOG_LEVEL=${JSON.stringify(level)} is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return {
    configPath,
    pkiDir,
    identityListen: listenAddress(env, 'FUSION_IDENTITY_LISTEN_ADDR', '127.0.0.1:8080'),
    destinationListen: listenAddress(env, 'FUSION_DESTINATION_LISTEN_ADDR', '127.0.0.1:8086'),
    adminListen: listenAddress(env, 'FUSION_CONTROL_PLANE_ADMIN_ADDR', '127.0.0.1:9990'),
    apiListen: listenAddress(env, 'FUSION_API_LISTEN_ADDR', '127.0.0.1:8084'),
    traceReceiverListen: env.FUSION_TRACE_RECEIVER_ADDR?.trim()
      ? listenAddress(env, 'FUSION_TRACE_RECEIVER_ADDR', '')
      : undefined,
    logLevel: level ? (level as LogLevel) : undefined,
  };
}

/** `host:port` or `[ipv6]:port` into its parts; undefined when it is neither. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: (match[1] ?? match[2])!, port };
}

function required(env: Env, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value) throw new EnvError(name, `${name} is not set; it must be ${what}`);
  return value;
}

function listenAddress(env: Env, name: string, fallback: string): ListenAddress {
  const raw = env[name]?.trim() || fallback;
  const parsed = parseListenAddress(raw);
  if (!parsed) {
    throw new EnvError(
      name,
      `${name}=${JSON.stringify(raw)} is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)`,
    );
  }
  return parsed;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
