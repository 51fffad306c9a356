/**
 * A steady, bounded load for end-to-end tests: `rate` requests a second for `durationMs`, each
 * sent at its scheduled time whatever the ones before it are doing (open loop), at most
 * `maxInFlight` at once. It counts outcomes; the tests assert counts, never latencies.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOutcome {
  readonly sent: number;
  readonly ok: number;
  /** One line per failed request: its status and l5d-proxy-error, or the error. */
  readonly failures: readonly string[];
}

export interface LoadOptions {
  /** What each request fetches, unless `send` says how to send it. */
  readonly url?: string;
  /** Sends one request (e.g. through a sidecar's outbound port, helpers/outbound.ts). */
  readonly send?: (signal: AbortSignal) => Promise<Response>;
  readonly rate: number;
  readonly durationMs: number;
  readonly maxInFlight?: number;
  /** Stops early when it resolves. */
  readonly until?: Promise<unknown>;
  /** Told of each response: when it was sent (ms from the start), and what came back. */
  readonly onResponse?: (
    sentAtMs: number,
    response: Response,
    latencyMs: number,
    body: string,
  ) => void;
}

export async function steadyLoad(options: LoadOptions): Promise<LoadOutcome> {
  const { url, rate, durationMs, maxInFlight = 64 } = options;
  if (url === undefined && options.send === undefined) throw new Error('steadyLoad: url or send');
  const send = options.send ?? ((signal: AbortSignal) => fetch(url as string, { signal }));
  const total = Math.round((rate * durationMs) / 1000);
  let stopped = false;
  void options.until?.then(() => {
    stopped = true;
  });
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let ok = 0;
  let sent = 0;
  const started = performance.now();
  for (let i = 0; i < total && !stopped; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    sent++;
    // When it was sent, so failures can be laid beside what the test did at that moment.
    const sentAt = performance.now();
    const at = `${((sentAt - started) / 1000).toFixed(1)} s`;
    const request = send(AbortSignal.timeout(10_000))
      .then(async (response) => {
        const body = await response.text();
        options.onResponse?.(sentAt - started, response, performance.now() - sentAt, body);
        if (response.ok) ok++;
        else failures.push(`${at}: HTTP ${response.status} ${body.slice(0, 300)}`);
      })
      .catch((error: Error) => {
        failures.push(
          `${at}: ${error.name}: ${error.message} ${String((error.cause as Error)?.message ?? '')}`,
        );
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  return { sent, ok, failures };
}

/** Sums the samples of `metric` whose labels include every `label="value"` given. */
export function sumSamples(text: string, metric: string, labels: readonly string[] = []): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (!labels.every((label) => line.includes(label))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
