/**
 * How many Certify round trips per second the identity service sustains, measured the way a
 * fleet of starting proxies loads it: each call is a fresh P-256 key, a CSR and the HTTP/2
 * round trip to the real control-plane program (its own process, as in production). Run:
 *
 *   node --import tsx packages/control-plane/src/identity/certify-rate.bench.ts [seconds]
 *
 * Not a test: it prints figures and asserts nothing. The target is 100 certify/s. A last run
 * reuses one CSR to show the server's own ceiling apart from the client's key generation.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createCsr, generateKeyPair } from '@fusion/pki';
import { base64, certifyOver, connectIdentity, createTestPki } from './testing.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const pki = await createTestPki();
const configPath = join(pki.dir, 'fusion.yaml');
await writeFile(
  configPath,
  `version: 1\nmesh:\n  trustDomain: ${pki.trustDomain}\nlogging:\n  level: error\n` +
    'services:\n  orders:\n    port: 18001\n    command: node -e 1\n',
);
const server = spawn(process.execPath, ['--import', 'tsx', MAIN], {
  cwd: REPO_ROOT,
  env: {
    ...process.env,
    FUSION_CONFIG: configPath,
    FUSION_PKI_DIR: pki.dir,
    FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
    FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.1:0',
    FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
    FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const addresses = await new Promise<{ identity: number; admin: string }>((resolve, reject) => {
  let admin = '';
  server.once('exit', (code) => reject(new Error(`control plane exited ${code}`)));
  createInterface({ input: server.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as { msg: string; address: string };
    if (line.msg === 'admin listening') admin = line.address;
    if (line.msg === 'identity service listening') {
      resolve({ identity: Number(line.address.split(':').pop()), admin });
    }
  });
});

const identity = pki.identity('orders');
const token = await pki.token(identity, { ttlMs: 3_600_000 });
const session = connectIdentity(
  { address: '127.0.0.1', family: 'IPv4', port: addresses.identity },
  pki.anchor.certPem,
  'identity.fusion.serviceaccount.identity.mesh.test',
);

async function serverCpuSeconds(): Promise<number> {
  const text = await (await fetch(`http://${addresses.admin}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** `freshKeys` false reuses one CSR: what the server alone sustains, without client crypto. */
async function measure(concurrency: number, freshKeys = true) {
  const reused = await createCsr(await generateKeyPair(), identity);
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const cpuBefore = await serverCpuSeconds();
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const csr = freshKeys ? await createCsr(await generateKeyPair(), identity) : reused;
      const reply = await certifyOver(session, {
        identity: identity.name,
        token,
        certificate_signing_request: base64(csr),
      });
      if (reply.status === 200) latencies.push(performance.now() - t0);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await serverCpuSeconds()) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return {
    client: freshKeys ? 'keygen + CSR + certify' : 'certify (CSR reused)',
    concurrency,
    certified: latencies.length,
    failures,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
    serverCpuMsPerCertify: Number(((cpu * 1000) / latencies.length).toFixed(2)),
  };
}

try {
  await measure(1); // warm-up: JIT, TLS session, first allocations
  const results = [await measure(1), await measure(4), await measure(4, false)];
  console.table(results);
} finally {
  session.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await pki.remove();
}
