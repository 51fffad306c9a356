/**
 * The `services` section. Each service is read into a draft that keeps whatever validated,
 * even when something else in it did not: the cross-checks (ports, dependencies, selectors)
 * then still run over the whole file, and one broken service does not hide the others'
 * mistakes or produce false "unknown service" errors about itself.
 */
import type { ServiceConfig, ServiceStart } from '@fusion/mesh-types';
import { isSeq, type Node } from 'yaml';
import {
  type At,
  array,
  asMapping,
  bool,
  duration,
  entries,
  int,
  keyNodeOf,
  type Located,
  located,
  mismatch,
  nonEmpty,
  type ObjectRead,
  object,
  oneOf,
  optional,
  readObject,
  record,
  required,
  type Schema,
  scalarValue,
  schema,
  section,
  string,
  transform,
  withDefault,
} from '../schema/index.ts';
import { dnsLabel, httpPath } from './names.ts';

export const PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const;

const COMMAND = 'a command (a string, or a list of strings)';

/** A string is split on whitespace; arguments containing spaces need the list form. */
const commandLine: Schema<string[]> = schema(COMMAND, (node, at) => {
  if (isSeq(node)) return array(string(nonEmpty), { nonEmpty: true })(node, at);
  const value = scalarValue(node);
  if (typeof value !== 'string') return mismatch(node, at, COMMAND);
  const words = value.split(/\s+/).filter((word) => word !== '');
  return words.length > 0 ? words : mismatch(node, at, COMMAND);
});

const readiness = transform(
  object({
    path: withDefault(string(httpPath), '/ready'),
    timeout: withDefault(duration({ min: 1 }), 60_000),
  }),
  (r) => ({ path: r.path, timeoutMs: r.timeout }),
);

const serviceShape = {
  port: required(located(int(1, 65535))),
  entry: optional(located(string(nonEmpty))),
  command: optional(commandLine),
  replicas: withDefault(int(1, 64), 1),
  protocol: withDefault(oneOf(PROTOCOLS), 'http'),
  dependsOn: withDefault(array(located(string(nonEmpty))), []),
  database: withDefault(bool(), false),
  external: withDefault(bool(), false),
  versionOf: optional(located(string(nonEmpty))),
  labels: withDefault(record(located(string())), {}),
  env: withDefault(record(string()), {}),
  readiness: section(readiness),
};

/** One service as far as it validated; `config` is there only when all of it did. */
export interface ServiceDraft {
  readonly name: string;
  readonly keyNode: Node;
  readonly port?: Located<number>;
  readonly dependsOn: readonly Located<string>[];
  /** The service whose program this one runs as another version (checked in cross-checks). */
  readonly versionOf?: Located<string>;
  /** Always includes `app: <name>`, so selectors can be checked against broken services too. */
  readonly labels: Readonly<Record<string, string>>;
  readonly config?: ServiceConfig;
}

type Read = ObjectRead<typeof serviceShape>;

/** Exactly one of `entry` and `command`, and the entry file exists when that is checked. */
function startOf(read: Read, node: Node | undefined, at: At): ServiceStart | undefined {
  const entryKey = keyNodeOf(read.map, 'entry');
  const commandKey = keyNodeOf(read.map, 'command');
  if (entryKey && commandKey) {
    const later = (entryKey.range?.[0] ?? 0) > (commandKey.range?.[0] ?? 0) ? 'entry' : 'command';
    const reason = "give either 'entry' (a file run by Node) or 'command', not both";
    return at.key(later).error(later === 'entry' ? entryKey : commandKey, reason);
  }
  if (!entryKey && !commandKey) {
    const reason = "missing 'entry' (a file run by Node) or 'command' (a command line); give one";
    return at.error(read.map ?? node, reason);
  }
  const { entry, command } = read.values;
  if (command !== undefined) return { kind: 'command', command };
  if (entry === undefined) return undefined;
  const found = at.ctx.checkFile?.(entry.value) ?? 'file';
  if (found === 'file') return { kind: 'entry', entry: entry.value };
  const dir = `the directory of ${at.ctx.file}`;
  const reason =
    found === 'missing'
      ? `entry file '${entry.value}' does not exist (paths are relative to ${dir})`
      : `entry '${entry.value}' is not a file (paths are relative to ${dir})`;
  return at.key('entry').error(entry.node, reason);
}

/** The user's labels plus `app: <name>`, which selectors rely on and nobody may change. */
function labelsOf(
  labels: Record<string, Located<string>> | undefined,
  name: string,
  at: At,
): { labels: Record<string, string>; ok: boolean } {
  const result: Record<string, string> = { app: name };
  let ok = true;
  for (const [key, label] of Object.entries(labels ?? {})) {
    if (key === 'app' && label.value !== name) {
      const reason = `must be the service name '${name}' (it is set automatically), got '${label.value}'`;
      at.key('labels').key('app').error(label.node, reason);
      ok = false;
    } else if (key !== 'app') {
      result[key] = label.value;
    }
  }
  return { labels: result, ok };
}

function readService(name: string, keyNode: Node, node: Node | undefined, at: At): ServiceDraft {
  let ok = true;
  if (!dnsLabel.test(name)) {
    at.error(keyNode, `service name '${name}' must be ${dnsLabel.expected}`);
    ok = false;
  }
  const read = readObject(serviceShape, node, at);
  if (read === undefined) return { name, keyNode, dependsOn: [], labels: { app: name } };
  const v = read.values;
  const start = startOf(read, node, at);
  const { labels, ok: labelsOk } = labelsOf(v.labels, name, at);
  const draft = {
    name,
    keyNode,
    port: v.port,
    dependsOn: v.dependsOn ?? [],
    labels,
    ...(v.versionOf && { versionOf: v.versionOf }),
  };
  if (!ok || !labelsOk || !read.complete || start === undefined) return draft;
  const config: ServiceConfig = {
    name,
    port: v.port!.value,
    start,
    replicas: v.replicas!,
    protocol: v.protocol!,
    dependsOn: draft.dependsOn.map((d) => d.value),
    database: v.database!,
    external: v.external!,
    ...(v.versionOf && { versionOf: v.versionOf.value }),
    labels,
    env: v.env!,
    readiness: v.readiness!,
  };
  return { ...draft, config };
}

export const services: Schema<ServiceDraft[]> = schema(
  'a mapping of service names to services',
  (node, at) => {
    const map = asMapping(node, at);
    if (map === undefined) return undefined;
    const found = entries(map, at);
    if (found.length === 0) return at.error(map ?? node, 'expected at least one service, got none');
    return found.map((e) => readService(e.key, e.keyNode, at.ctx.resolve(e.value), at.key(e.key)));
  },
);
