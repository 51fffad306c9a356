/** Polls a component's readiness endpoint (HTTP 2xx, or a TCP connect) until it answers. */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readiness } from './plan.ts';

const PROBE_TIMEOUT_MS = 1_000;

/**
 * Resolves when the probe succeeds. Rejects when `timeoutMs` passes, or as soon as
 * `isRunning()` turns false (a dead process will never become ready).
 */
export async function waitUntilReady(
  readiness: Readiness,
  isRunning: () => boolean,
): Promise<void> {
  const deadline = Date.now() + readiness.timeoutMs;
  let last = 'no answer yet';
  // Start fast, then back off a little, but not far: every app waits for its sidecar and its
  // dependencies to be seen ready, so each probe gap lands on the start's critical path.
  for (let interval = 50; ; interval = Math.min(interval * 2, 200)) {
    if (!isRunning()) throw new Error('exited before it was ready');
    const outcome = await probe(readiness);
    if (outcome === true) return;
    last = outcome;
    if (Date.now() >= deadline) {
      throw new Error(
        `not ready within ${readiness.timeoutMs / 1000} s (${describe(readiness)}: ${last})`,
      );
    }
    await sleep(interval);
  }
}

/** true, or the reason it is not ready. */
export async function probe(readiness: Readiness): Promise<true | string> {
  if (readiness.kind === 'tcp') return probeTcp(readiness.host, readiness.port);
  try {
    const response = await fetch(readiness.url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? true : `answered ${response.status}`;
  } catch (error) {
    return errorReason(error);
  }
}

function probeTcp(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('connect timed out');
    });
    socket.once('error', (error) => resolve(errorReason(error)));
  });
}

function describe(readiness: Readiness): string {
  return readiness.kind === 'http'
    ? `GET ${readiness.url}`
    : `tcp ${readiness.host}:${readiness.port}`;
}

function errorReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}
