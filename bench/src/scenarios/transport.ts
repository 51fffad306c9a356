/**
 * `transport`: the hop between two proxies, alone — which is cheaper on this machine for 1 KiB
 * responses over mTLS: one HTTP/2 session multiplexing every request (what our proxies do,
 * Linkerd's way), or a pool of 16 keep-alive HTTP/1.1 TLS connections (undici Pool, and
 * node:https's Agent)? Two node processes: a client (load generator + transport, like a proxy's
 * outbound side) and a server (an http2 secure server with allowHTTP1, like our inbound
 * listener). Closed loop at 16 requests in flight, then fixed rates open loop; CPU of both
 * processes from /proc per measurement; modes interleaved in rotated order, every measurement
 * repeated `rounds` times.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '@fusion/control-plane/testing';
import { issueLeafPem } from '../fixtures/certificates.ts';
import {
  decodeLoad,
  type LoadResult,
  type LoadSummary,
  mergeLoads,
  summarizeLoad,
} from '../load/index.ts';
import { cpuSeconds, memory } from '../proc.ts';
import { loadNote, type Table } from '../report.ts';
import type {
  ClientMessage,
  ClientReply,
  LoadPattern,
  ServerReady,
  TransportMode,
} from '../transport/messages.ts';

export interface TransportOptions {
  readonly seconds: number;
  readonly rates: readonly number[];
  readonly rounds: number;
  readonly concurrency: number;
}

export interface TransportSample {
  readonly mode: TransportMode;
  readonly round: number;
  readonly pattern: LoadPattern;
  readonly load: LoadResult;
  readonly clientCpuSeconds: number;
  readonly serverCpuSeconds: number;
  /** The machine's 1-minute load average at the end. */
  readonly loadAverage: number;
}

export interface TransportRun {
  readonly options: TransportOptions;
  readonly samples: readonly TransportSample[];
  readonly peakRssBytes: { readonly client: number; readonly server: number };
  /** Modes that could not carry a request, and why. */
  readonly broken: Readonly<Partial<Record<TransportMode, string>>>;
}

export const MODES: readonly TransportMode[] = ['h2', 'h1-undici', 'h1-agent'];
const MODE_LABEL: Record<TransportMode, string> = {
  h2: 'h2: one session, multiplexed',
  'h1-undici': 'HTTP/1.1: undici Pool, 16 connections',
  'h1-agent': 'HTTP/1.1: https.Agent, 16 sockets',
};

const here = (file: string) => fileURLToPath(new URL(`../transport/${file}`, import.meta.url));

export async function runTransport(options: TransportOptions): Promise<TransportRun> {
  const pki = await createTestPki();
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    const server = fork(here('server-main.ts'), [], { execArgv: ['--import', 'tsx'] });
    children.push(server);
    const serverTls = await issueLeafPem(pki, 'upstream');
    server.send({ tls: serverTls });
    const [ready] = (await once(server, 'message')) as [ServerReady];

    const client = fork(here('client-main.ts'), [], { execArgv: ['--import', 'tsx'] });
    children.push(client);
    const ask = async (message: ClientMessage): Promise<ClientReply> => {
      const answer = once(client, 'message') as Promise<[ClientReply]>;
      client.send(message);
      return (await answer)[0];
    };
    await ask({
      type: 'setup',
      tls: await issueLeafPem(pki, 'loadgen'),
      port: ready.port,
      serverIdentity: serverTls.identity,
      connections: options.concurrency,
    });

    const broken: Partial<Record<TransportMode, string>> = {};
    const run = async (mode: TransportMode, pattern: LoadPattern) => {
      const reply = await ask({ type: 'run', mode, pattern });
      if (reply.type === 'error') throw new Error(reply.message);
      if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
      return decodeLoad(reply.load);
    };
    // Connect and warm every mode (JIT, handshakes) before anything is recorded.
    const modes: TransportMode[] = [];
    for (const mode of MODES) {
      try {
        const warm = await run(mode, {
          kind: 'closed',
          concurrency: options.concurrency,
          seconds: 1,
        });
        if (warm.ok === 0)
          throw new Error(Object.keys(warm.errorReasons).join('; ') || 'no answer');
        modes.push(mode);
      } catch (error) {
        broken[mode] = (error as Error).message;
        console.error(`bench transport: ${mode} cannot carry traffic: ${broken[mode]}`);
      }
    }

    const patterns: LoadPattern[] = [
      { kind: 'closed', concurrency: options.concurrency, seconds: options.seconds },
      // One at a time: the hop's own latency, with nothing queued behind anything.
      { kind: 'closed', concurrency: 1, seconds: options.seconds / 2 },
      ...options.rates.map((rate) => ({ kind: 'open' as const, rate, seconds: options.seconds })),
    ];
    const samples: TransportSample[] = [];
    for (let round = 0; round < options.rounds; round += 1) {
      for (const [i, pattern] of patterns.entries()) {
        for (const mode of rotate(modes, round + i)) {
          // Idle connections may have been closed while other modes ran: reopen them unrecorded.
          await run(mode, { kind: 'closed', concurrency: options.concurrency, seconds: 0.3 });
          const before = [cpuSeconds(client.pid!), cpuSeconds(server.pid!)];
          const load = await run(mode, pattern);
          samples.push({
            mode,
            round,
            pattern,
            load,
            clientCpuSeconds: cpuSeconds(client.pid!) - before[0]!,
            serverCpuSeconds: cpuSeconds(server.pid!) - before[1]!,
            loadAverage: loadavg()[0] ?? 0,
          });
          const what =
            pattern.kind === 'closed' ? `${pattern.concurrency} in flight` : `${pattern.rate} rps`;
          console.error(
            `  round ${round + 1} · ${what.padEnd(12)} · ${mode.padEnd(9)} · ${load.ok} ok${load.errors + load.non2xx ? `, ${load.errors + load.non2xx} failed` : ''}`,
          );
        }
      }
    }
    const peakRssBytes = {
      client: memory(client.pid!).peakRssBytes,
      server: memory(server.pid!).peakRssBytes,
    };
    return { options, samples, peakRssBytes, broken };
  } finally {
    for (const child of children) {
      if (child.exitCode !== null) continue;
      const exited = once(child, 'exit');
      child.disconnect();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      child.kill('SIGKILL');
    }
    process.off('exit', killAll);
    await pki.remove();
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length ? by % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}

export interface TransportFigure {
  readonly mode: TransportMode;
  readonly pattern: string;
  readonly load: LoadSummary;
  readonly clientCpuPer1k: number;
  readonly serverCpuPer1k: number;
  /** Per round: 2xx/s and p50/p99, to show how much rounds differ. */
  readonly rounds: readonly { throughput: number; p50: number; p99: number }[];
}

export function transportFigures(run: TransportRun): TransportFigure[] {
  const keyOf = (p: LoadPattern) =>
    p.kind === 'closed' ? `closed-${p.concurrency}` : `open-${p.rate}`;
  const keys = [...new Set(run.samples.map((s) => keyOf(s.pattern)))];
  return keys.flatMap((key) =>
    MODES.flatMap((mode) => {
      const samples = run.samples.filter((s) => s.mode === mode && keyOf(s.pattern) === key);
      if (samples.length === 0) return [];
      const load = summarizeLoad(mergeLoads(samples.map((s) => s.load)));
      const per1k = (cpu: number) => (load.ok ? (1000 * cpu) / load.ok : Number.NaN);
      return [
        {
          mode,
          pattern: key,
          load,
          clientCpuPer1k: per1k(samples.reduce((n, s) => n + s.clientCpuSeconds, 0)),
          serverCpuPer1k: per1k(samples.reduce((n, s) => n + s.serverCpuSeconds, 0)),
          rounds: samples.map((s) => {
            const r = summarizeLoad(s.load);
            return { throughput: r.throughput, p50: r.latencyMs.p50, p99: r.latencyMs.p99 };
          }),
        },
      ];
    }),
  );
}

const ms = (v: number) => v.toFixed(2);
const cpu = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(3));

export function transportTables(run: TransportRun, figures: readonly TransportFigure[]): Table[] {
  const closed = figures.filter((f) => f.pattern.startsWith('closed-'));
  const open = figures.filter((f) => f.pattern.startsWith('open-'));
  const notes = [
    `${run.options.rounds} round(s), ${run.options.seconds} s per measurement, modes interleaved in rotated order; figures over all rounds (per-round figures in the JSON).`,
    'Client CPU includes the load generator, the same for every mode. Both processes, and other engineers’ tests, share this machine’s 2 cores.',
    loadNote(run.samples.map((s) => s.loadAverage)),
    `Peak RSS over the run: client ${(run.peakRssBytes.client / 1e6).toFixed(0)} MB, server ${(run.peakRssBytes.server / 1e6).toFixed(0)} MB (both ends hold all modes’ connections).`,
  ];
  for (const [mode, why] of Object.entries(run.broken)) notes.push(`**${mode} failed**: ${why}`);
  return [
    {
      title: `HTTP/2 vs HTTP/1.1 between two node processes over mTLS: ${run.options.concurrency} requests in flight, and 1 (closed loop), 1 KiB responses`,
      columns: [
        'in flight',
        'transport',
        'rps',
        '× h2',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'client CPU s/1k',
        'server CPU s/1k',
        'both s/1k',
        'failed',
      ],
      rows: closed.map((f) => {
        const h2 = closed.find((g) => g.mode === 'h2' && g.pattern === f.pattern);
        return [
          f.pattern.replace('closed-', ''),
          MODE_LABEL[f.mode],
          f.load.throughput.toFixed(0),
          h2 ? `${(f.load.throughput / h2.load.throughput).toFixed(2)}×` : '–',
          ms(f.load.latencyMs.p50),
          ms(f.load.latencyMs.p90),
          ms(f.load.latencyMs.p99),
          ms(f.load.latencyMs.p999),
          cpu(f.clientCpuPer1k),
          cpu(f.serverCpuPer1k),
          cpu(f.clientCpuPer1k + f.serverCpuPer1k),
          f.load.errors + f.load.non2xx,
        ];
      }),
      notes,
    },
    {
      title: 'The same at fixed rates (open loop, latency from the scheduled send time)',
      columns: [
        'rps',
        'transport',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'max ms',
        'client CPU s/1k',
        'server CPU s/1k',
        'both s/1k',
        'failed',
      ],
      rows: open.map((f) => [
        f.pattern.replace('open-', ''),
        MODE_LABEL[f.mode],
        ms(f.load.latencyMs.p50),
        ms(f.load.latencyMs.p90),
        ms(f.load.latencyMs.p99),
        ms(f.load.latencyMs.p999),
        ms(f.load.latencyMs.max),
        cpu(f.clientCpuPer1k),
        cpu(f.serverCpuPer1k),
        cpu(f.clientCpuPer1k + f.serverCpuPer1k),
        f.load.errors + f.load.non2xx,
      ]),
    },
  ];
}
