/**
 * wrk (Debian's wrk 4.1) as a cross-check for closed-loop throughput: C, one thread, so it costs
 * the machine far less per request than a Node generator and shows how much of a Node
 * generator's ceiling was the generator's own. Closed loop only: its latencies have coordinated
 * omission and are not used for the fixed-rate figures.
 */
import { execFile, execFileSync } from 'node:child_process';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

export function wrkVersion(): string | undefined {
  try {
    // wrk -v prints its version and exits 1.
    execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const out = `${(error as { stdout?: string }).stdout ?? ''}`;
    const version = /wrk (\S+)/.exec(out)?.[1];
    if (version) return `wrk ${version}`;
  }
  return undefined;
}

export function runWrk(options: {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly host?: string;
}): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    ...(options.host ? ['-H', `Host: ${options.host}`] : []),
    options.url,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { timeout: (options.seconds + 30) * 1000 }, (error, stdout) => {
      if (error) return reject(new Error(`wrk failed: ${error.message}`));
      resolve(parseWrk(stdout));
    });
  });
}

export function parseWrk(text: string): WrkResult {
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    if (!match) return Number.NaN;
    const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
    return Number(match[1]) * scale;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN),
    requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0),
    p50Ms: percentile('50'),
    p90Ms: percentile('90'),
    p99Ms: percentile('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
  };
}
