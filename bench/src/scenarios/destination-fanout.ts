/**
 * `destination-fanout`: how long an endpoint change takes to reach every watcher. The real
 * control-plane program runs in its own process; this one plays N proxies, each with its own
 * mTLS session and a Get stream on `ai-kernel`, and one more that registers and deregisters an
 * endpoint of it in turns. For each change, from just before the Register/Deregister call is
 * sent to the arrival of the line carrying the new version, per watcher and for the last one.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SecureContextOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { workloadTls } from '@fusion/control-plane/destination-testing';
import { createTestPki, type TestPki } from '@fusion/control-plane/testing';
import { DEREGISTER_PATH, GET_PATH, REGISTER_PATH } from '@fusion/mesh-types';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
import { cpuSeconds, memory } from '../proc.ts';
import type { Table } from '../report.ts';
import { type Summary, summarize } from '../stats.ts';

const TRUST_DOMAIN = 'mesh.test';
const controlPlaneMain = fileURLToPath(import.meta.resolve('@fusion/control-plane/main'));
/** Handshakes in flight while the watchers connect: enough to be quick, few enough not to time out. */
const CONNECT_BATCH = 50;

export interface FanoutOptions {
  readonly watchers: readonly number[];
  /** Endpoint changes per row (alternately a registration and a deregistration). */
  readonly changes: number;
}

export interface FanoutRow {
  readonly watchers: number;
  readonly changes: number;
  /** Deliveries that never came within 10 s (0 when all is well). */
  readonly missed: number;
  readonly perWatcherMs: Summary;
  /** Per change, the time until the last watcher had it. */
  readonly allReachedMs: Summary;
  readonly serverCpuMsPerChange: number;
}

export async function runDestinationFanout(
  options: FanoutOptions,
): Promise<{ rows: FanoutRow[]; table: Table }> {
  const server = await startControlPlane();
  try {
    const watcherTls = await workloadTls(
      server.pki.issuer,
      server.pki.anchor.certPem,
      server.pki.identity('api-gateway'),
    );
    const kernelTls = await workloadTls(
      server.pki.issuer,
      server.pki.anchor.certPem,
      server.pki.identity('ai-kernel'),
    );
    const registrar = connect(server.port, kernelTls);
    const rows: FanoutRow[] = [];
    let port = 20_000;
    for (const count of options.watchers) {
      const watchers = await openWatchers(server.port, watcherTls, count);
      const perWatcher: number[] = [];
      const allReached: number[] = [];
      let missed = 0;
      let lease: string | undefined;
      const cpuBefore = cpuSeconds(server.pid);
      for (let change = 0; change < options.changes; change++) {
        const target = watchers.version + 1;
        const arrived = watchers.arrivalsOf(target);
        const sent = performance.now();
        if (lease === undefined) {
          const reply = await call(registrar, REGISTER_PATH, {
            address: `127.0.0.1:${port++}`,
            service: 'ai-kernel',
            instance: 'fanout',
          });
          lease = (reply as { lease_id: string }).lease_id;
        } else {
          await call(registrar, DEREGISTER_PATH, { lease_id: lease });
          lease = undefined;
        }
        const times = await arrived;
        missed += count - times.length;
        for (const at of times) perWatcher.push(at - sent);
        allReached.push(Math.max(...times) - sent);
      }
      const cpuMs = (cpuSeconds(server.pid) - cpuBefore) * 1000;
      if (lease) await call(registrar, DEREGISTER_PATH, { lease_id: lease });
      await watchers.close();
      rows.push({
        watchers: count,
        changes: options.changes,
        missed,
        perWatcherMs: summarize(perWatcher),
        allReachedMs: summarize(allReached),
        serverCpuMsPerChange: cpuMs / options.changes,
      });
    }
    registrar.close();
    const peakRssMiB = memory(server.pid).peakRssBytes / 2 ** 20;
    return { rows, table: toTable(rows, peakRssMiB) };
  } finally {
    await server.stop();
  }
}

interface Watchers {
  /** The newest version every watcher has seen. */
  readonly version: number;
  /** Resolves with each watcher's arrival time of `version` (all, or whoever had it in 10 s). */
  arrivalsOf(version: number): Promise<number[]>;
  close(): Promise<void>;
}

async function openWatchers(
  port: number,
  tls: SecureContextOptions,
  count: number,
): Promise<Watchers> {
  const sessions: http2.ClientHttp2Session[] = [];
  let waiting: { version: number; times: number[]; done: (t: number[]) => void } | undefined;
  const firstLines: Promise<number>[] = [];
  for (let i = 0; i < count; i += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, count - i) }, () => {
      const session = connect(port, tls);
      sessions.push(session);
      return watch(session, (version, at) => {
        if (waiting && version === waiting.version) {
          waiting.times.push(at);
          if (waiting.times.length === count) waiting.done(waiting.times);
        }
      });
    });
    firstLines.push(...batch);
    await Promise.all(batch);
  }
  let newest = Math.max(...(await Promise.all(firstLines)));
  return {
    get version() {
      return newest;
    },
    arrivalsOf(version) {
      newest = version;
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(waiting?.times ?? []), 10_000);
        waiting = {
          version,
          times: [],
          done: (times) => {
            clearTimeout(timer);
            resolve(times);
          },
        };
      });
    },
    async close() {
      for (const session of sessions) session.destroy();
    },
  };
}

/** Opens a Get stream; resolves with the version of its first line, then reports each line. */
function watch(
  session: http2.ClientHttp2Session,
  onVersion: (version: number, at: number) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': GET_PATH,
      'content-type': 'application/json',
    });
    let buffered = '';
    let first = true;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const at = performance.now();
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const { version } = JSON.parse(buffered.slice(0, newline)) as { version: number };
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (first) {
          first = false;
          resolve(version);
        } else onVersion(version, at);
      }
    });
    stream.on('error', reject);
    stream.end(JSON.stringify({ service: 'ai-kernel' }));
  });
}

function connect(port: number, tls: SecureContextOptions): http2.ClientHttp2Session {
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ...tls,
    servername: workloadIdentity('destination', CONTROL_PLANE_NAMESPACE, TRUST_DOMAIN).name,
  });
  session.on('error', (error) => console.error(`  session error: ${error.message}`));
  return session;
}

function call(session: http2.ClientHttp2Session, path: string, body: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path });
    let text = '';
    let status = 0;
    stream.setEncoding('utf8');
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () =>
      status === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${status} ${text}`)),
    );
    stream.on('error', reject);
    stream.end(JSON.stringify(body));
  });
}

interface ControlPlane {
  readonly pid: number;
  readonly port: number;
  readonly pki: TestPki;
  stop(): Promise<void>;
}

/** The control-plane program on free ports, its destination port read from its own log. */
async function startControlPlane(): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-bench-fanout-'));
  const pki = await createTestPki(TRUST_DOMAIN);
  const configPath = join(dir, 'fusion.yaml');
  writeFileSync(
    configPath,
    `version: 1\nmesh:\n  trustDomain: ${TRUST_DOMAIN}\nservices:\n  ai-kernel: { port: 18001, command: "true" }\n`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', controlPlaneMain], {
    env: {
      ...process.env,
      FUSION_CONFIG: configPath,
      FUSION_PKI_DIR: pki.dir,
      FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
      // Info, for the line that says which port destination took.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as { msg?: string; address?: string };
      if (line.msg === 'destination service listening') {
        resolve(Number(line.address?.split(':').at(-1)));
      }
    });
    child.once('exit', (code) => reject(new Error(`the control plane exited with code ${code}`)));
  });
  return {
    pid: child.pid!,
    port,
    pki,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', killNow);
        const cleanUp = () => {
          rmSync(dir, { recursive: true, force: true });
          void pki.remove().then(resolve);
        };
        if (child.exitCode !== null) return cleanUp();
        child.once('exit', cleanUp);
        child.kill('SIGTERM');
      }),
  };
}

function toTable(rows: readonly FanoutRow[], peakRssMiB: number): Table {
  const ms = (v: number) => v.toFixed(1);
  return {
    title: 'Destination: endpoint change to every watcher (Register/Deregister → Get line)',
    columns: [
      'watchers',
      'changes',
      'missed',
      'per watcher p50 ms',
      'p99 ms',
      'max ms',
      'all reached p50 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/change',
    ],
    rows: rows.map((r) => [
      r.watchers,
      r.changes,
      r.missed,
      ms(r.perWatcherMs.p50),
      ms(r.perWatcherMs.p99),
      ms(r.perWatcherMs.max),
      ms(r.allReachedMs.p50),
      ms(r.allReachedMs.p99),
      ms(r.allReachedMs.max),
      r.serverCpuMsPerChange.toFixed(2),
    ]),
    notes: [
      'Each watcher is its own mTLS HTTP/2 session, as each proxy has; all run in the bench process, which reads their lines one after another, so the last ones include that queue.',
      'The time starts before the Register/Deregister call is sent, so it includes that round trip.',
      `Control plane peak RSS ${peakRssMiB.toFixed(0)} MiB; it and the watchers share the machine's cores.`,
    ],
  };
}
