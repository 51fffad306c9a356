/**
 * `identity`: certificates issued per second, end to end — the real control-plane program in its
 * own process, and clients doing what a workload does for each certificate: read its token,
 * generate a key, build a CSR, certify over a fresh TLS connection, check the answer.
 * Run at several concurrencies; the control plane's CPU is read from /proc.
 */
import { certify } from '@fusion/identity-client';
import { workloadIdentity } from '@fusion/pki';
import { startControlPlane, TRUST_DOMAIN } from '../fixtures/control-plane.ts';
import { cpuSeconds, memory } from '../proc.ts';
import type { Table } from '../report.ts';
import { type Summary, summarize } from '../stats.ts';

export interface IdentityOptions {
  readonly seconds: number;
  readonly concurrency: readonly number[];
  /** Write a CPU profile of the control plane into this directory. */
  readonly profileDir?: string;
}

export interface IdentityRow {
  readonly concurrency: number;
  readonly issued: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly latencyMs: Summary;
  readonly serverCpuMsPerCert: number;
}

export async function runIdentity(
  options: IdentityOptions,
): Promise<{ rows: IdentityRow[]; table: Table }> {
  const server = await startControlPlane(
    options.profileDir ? { profileDir: options.profileDir } : {},
  );
  try {
    const workload = workloadIdentity('ai-kernel', 'default', TRUST_DOMAIN);
    const tokenFile = await server.tokenFile('ai-kernel');
    const rows: IdentityRow[] = [];
    for (const concurrency of options.concurrency) {
      const cpuBefore = cpuSeconds(server.pid);
      const result = await load(concurrency, options.seconds, {
        identity: workload.name,
        tokenFile,
        trustAnchorsPem: server.anchorsPem,
        identityAddr: server.address,
        identityServerName: server.serverName,
        timeoutMs: 10_000,
        now: Date.now,
      });
      const cpuMs = (cpuSeconds(server.pid) - cpuBefore) * 1000;
      rows.push({
        concurrency,
        issued: result.latencies.length,
        failed: result.failures,
        perSecond: result.latencies.length / result.elapsedSeconds,
        latencyMs: summarize(result.latencies),
        serverCpuMsPerCert: result.latencies.length ? cpuMs / result.latencies.length : 0,
      });
    }
    const peakRssMiB = memory(server.pid).peakRssBytes / 2 ** 20;
    return { rows, table: toTable(rows, peakRssMiB, options.seconds) };
  } finally {
    await server.stop();
  }
}

async function load(concurrency: number, seconds: number, params: Parameters<typeof certify>[0]) {
  const latencies: number[] = [];
  let failures = 0;
  const reasons = new Map<string, number>();
  const began = performance.now();
  const deadline = began + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        await certify(params);
        latencies.push(performance.now() - start);
      } catch (error) {
        failures += 1;
        const reason = (error as Error).message;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const [reason, count] of reasons) console.error(`  ${count}× failed: ${reason}`);
  return { latencies, failures, elapsedSeconds: (performance.now() - began) / 1000 };
}

function toTable(rows: readonly IdentityRow[], peakRssMiB: number, seconds: number): Table {
  const ms = (v: number) => v.toFixed(1);
  return {
    title:
      'Certificates issued per second (key + CSR + Certify round trip over a new TLS connection)',
    columns: [
      'in flight',
      'issued',
      'failed',
      'certs/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/cert',
    ],
    rows: rows.map((r) => [
      r.concurrency,
      r.issued,
      r.failed,
      r.perSecond.toFixed(0),
      ms(r.latencyMs.p50),
      ms(r.latencyMs.p90),
      ms(r.latencyMs.p99),
      ms(r.latencyMs.max),
      r.serverCpuMsPerCert.toFixed(2),
    ]),
    notes: [
      `${seconds} s per row; clients and the control plane share the machine's cores.`,
      `control plane peak RSS ${peakRssMiB.toFixed(0)} MiB.`,
      'target: at least 100 certificates per second.',
    ],
  };
}
