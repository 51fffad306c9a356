/**
 * The request bodies of the destination API, checked field by field. Each refusal says which
 * field and what was expected, because its message ends up in the proxy's log and readiness.
 */
import type { GetRequest, PolicyWatchRequest, RegisterRequest } from '@fusion/mesh-types';
import { parseListenAddress } from '../env.ts';
import { DestinationRefusal } from './refusal.ts';

const SERVICE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const INSTANCE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
const MAX_LABELS = 32;
const MAX_LABEL_VALUE = 256;

export interface RegisterFields {
  readonly address: string;
  readonly service: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly readinessPath?: string;
}

export function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw malformed(`request body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed('request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function parseRegister(body: Record<string, unknown>): RegisterFields {
  const { address, service, instance, labels, readiness_path } = body as Partial<
    Record<keyof RegisterRequest, unknown>
  >;
  const parsed = typeof address === 'string' ? parseListenAddress(address) : undefined;
  if (!parsed || parsed.port === 0) {
    throw malformed(`address must be "host:port" with a port, got ${shown(address)}`);
  }
  return {
    address: address as string,
    service: serviceName(service),
    instance: instanceName(instance),
    labels: labelsOf(labels),
    ...(readiness_path === undefined ? {} : { readinessPath: readinessPathOf(readiness_path) }),
  };
}

function readinessPathOf(value: unknown): string {
  if (typeof value !== 'string' || !/^\/[\x21-\x7e]{0,255}$/.test(value)) {
    throw malformed(`readiness_path must be a path such as /ready, got ${shown(value)}`);
  }
  return value;
}

export function parseLeaseId(body: Record<string, unknown>): string {
  const id = body.lease_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
    throw malformed(`lease_id must be the id Register returned, got ${shown(id)}`);
  }
  return id;
}

export function parseGet(body: Record<string, unknown>): GetRequest {
  return { service: serviceName(body.service) };
}

export function parsePolicyWatch(body: Record<string, unknown>): PolicyWatchRequest {
  return body.service === undefined ? {} : { service: serviceName(body.service) };
}

function serviceName(value: unknown): string {
  if (typeof value !== 'string' || !SERVICE.test(value)) {
    throw malformed(`service must be a service name such as ai-kernel, got ${shown(value)}`);
  }
  return value;
}

function instanceName(value: unknown): string {
  if (typeof value !== 'string' || !INSTANCE.test(value)) {
    throw malformed(
      `instance must be 1-128 letters, digits, '.', '_', ':' or '-' (e.g. ai-kernel-1), got ${shown(value)}`,
    );
  }
  return value;
}

function labelsOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw malformed('labels must be an object of strings');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) throw malformed(`at most ${MAX_LABELS} labels are allowed`);
  const labels: Record<string, string> = {};
  for (const [key, text] of entries) {
    if (!LABEL_KEY.test(key)) throw malformed(`label name ${shown(key)} is not a valid name`);
    if (typeof text !== 'string' || text.length > MAX_LABEL_VALUE) {
      throw malformed(`label ${key} must be a string of at most ${MAX_LABEL_VALUE} characters`);
    }
    labels[key] = text;
  }
  return labels;
}

function malformed(message: string): DestinationRefusal {
  return new DestinationRefusal('malformed-request', message);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
