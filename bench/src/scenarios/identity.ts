/**
 * `identity`: certificates issued per second, end to end — the real control-plane program in its
 * own process, and clients doing what a workload does for each certificate: read its token,
 * generate a key, build a CSR, certify over a fresh TLS connection, check the answer.
 * Run at several concurrencies; the control plane's CPU is read from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createTestPki } from '@fusion/control-plane/testing';
import { certify } from '@fusion/identity-client';
import { CONTROL_PLANE_NAMESPACE, workloadIdentity } from '@fusion/pki';
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

const TRUST_DOMAIN = 'mesh.test';
const controlPlaneMain = fileURLToPath(import.meta.resolve('@fusion/control-plane/main'));

export async function runIdentity(
  options: IdentityOptions,
): Promise<{ rows: IdentityRow[]; table: Table }> {
  const dir = mkdtempSync(join(tmpdir(), 'fusion-bench-identity-'));
  const server = await startControlPlane(dir, options.profileDir);
  try {
    const workload = workloadIdentity('ai-kernel', 'default', TRUST_DOMAIN);
    const rows: IdentityRow[] = [];
    for (const concurrency of options.concurrency) {
      const cpuBefore = cpuSeconds(server.pid);
      const result = await load(concurrency, options.seconds, {
        identity: workload.name,
        tokenFile: server.tokenFile,
        trustAnchorsPem: server.anchorsPem,
        identityAddr: server.address,
        identityServerName: workloadIdentity('identity', CONTROL_PLANE_NAMESPACE, TRUST_DOMAIN)
          .name,
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
    rmSync(dir, { recursive: true, force: true });
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

interface RunningControlPlane {
  readonly pid: number;
  readonly address: string;
  readonly anchorsPem: string;
  readonly tokenFile: string;
  stop(): Promise<void>;
}

async function startControlPlane(dir: string, profileDir?: string): Promise<RunningControlPlane> {
  // The control plane's own test PKI: anchor, issuer and token keys in the layout it reads.
  const pki = await createTestPki(TRUST_DOMAIN);
  const tokenFile = join(dir, 'ai-kernel.jwt');
  const token = await pki.token(workloadIdentity('ai-kernel', 'default', TRUST_DOMAIN), {
    ttlMs: 3_600_000,
  });
  writeFileSync(tokenFile, Buffer.from(token, 'base64'), { mode: 0o600 });
  const pkiDir = pki.dir;
  const configPath = join(dir, 'fusion.yaml');
  writeFileSync(
    configPath,
    `version: 1\nmesh:\n  trustDomain: ${TRUST_DOMAIN}\nservices:\n  ai-kernel: { port: 18001, command: "true" }\n`,
  );

  const port = 18080 + Math.floor(Math.random() * 1000);
  const adminPort = port + 1000;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', controlPlaneMain], {
    env: {
      ...process.env,
      FUSION_CONFIG: configPath,
      FUSION_PKI_DIR: pkiDir,
      FUSION_IDENTITY_LISTEN_ADDR: `127.0.0.1:${port}`,
      FUSION_CONTROL_PLANE_ADMIN_ADDR: `127.0.0.1:${adminPort}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the control plane exited with code ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the control plane was not ready within 30 s');
    await sleep(100);
  }
  return {
    pid: child.pid!,
    address: `127.0.0.1:${port}`,
    anchorsPem: pki.anchor.certPem,
    tokenFile,
    // Waiting for the exit lets a CPU profile be written before the directory is removed.
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => void pki.remove().then(resolve));
        child.kill('SIGTERM');
      }),
  };
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
