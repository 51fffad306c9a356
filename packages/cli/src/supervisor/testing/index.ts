/** Helpers for supervisor tests: specs that run the fixture server on a free port. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ComponentSpec, Tier } from '../plan.ts';

const fixture = fileURLToPath(new URL('./fixture-server.mjs', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function fixtureSpec(
  name: string,
  options: {
    tier?: Tier;
    dependsOn?: string[];
    env?: Record<string, string>;
    events?: string;
    timeoutMs?: number;
  } = {},
): Promise<ComponentSpec> {
  const port = await freePort();
  return {
    name,
    tier: options.tier ?? 'services',
    command: process.execPath,
    args: [fixture],
    env: {
      PORT: String(port),
      FIXTURE_NAME: name,
      ...(options.events ? { FIXTURE_EVENTS: options.events } : {}),
      ...options.env,
    },
    listen: [{ host: '127.0.0.1', port }],
    readiness: {
      kind: 'http',
      url: `http://127.0.0.1:${port}/ready`,
      timeoutMs: options.timeoutMs ?? 10_000,
    },
    dependsOn: options.dependsOn ?? [],
  };
}

/** The lines the fixtures appended to an events file, e.g. ['db start', 'db listening']. */
export function readEvents(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
