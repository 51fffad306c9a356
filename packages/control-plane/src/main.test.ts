/** The control-plane program as the supervisor runs it: a child process, env in, JSON lines out. */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ApiConfig } from '@fusion/mesh-types';
import { createTestPki, type TestPki, writeAtomically } from './identity/testing.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const CONFIG = `version: 1
mesh:
  trustDomain: mesh.test
  identity:
    certificateLifetime: 1h
    clockSkewAllowance: 5s
services:
  orders:
    port: 18001
    command: node -e 1
`;

interface Run {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** Resolves with the first line that passes `accept`. */
  line(accept: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  readonly exit: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiting: [(l: Record<string, unknown>) => boolean, (l: Record<string, unknown>) => void][] =
    [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const [accept, resolve] of waiting) if (accept(line)) resolve(line);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exit,
    line: (accept) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(accept);
        if (seen) return resolve(seen);
        waiting.push([accept, resolve]);
        void exit.then((code) =>
          reject(new Error(`exited ${code} first: ${JSON.stringify(lines)}`)),
        );
      }),
  };
}

let pki: TestPki;
let configPath: string;
before(async () => {
  pki = await createTestPki();
  configPath = join(pki.dir, 'fusion.yaml');
  await writeFile(configPath, CONFIG);
});
after(() => pki.remove());

describe('control-plane main', () => {
  it('becomes ready, serves metrics, and exits 0 on SIGTERM', async () => {
    const program = run({
      FUSION_CONFIG: configPath,
      FUSION_PKI_DIR: pki.dir,
      FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
      FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_TRACE_RECEIVER_ADDR: '127.0.0.1:0',
    });
    const listening = await program.line((l) => l.msg === 'admin listening');
    const admin = `http://${listening.address}`;
    await program.line((l) => l.msg === 'control plane started');

    const ready = await fetch(`${admin}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), 'ready\n');
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /^identity_certify_total 0$/m);
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);
    const identity = program.lines.find((l) => l.msg === 'identity service listening');
    assert.equal(identity?.identity, 'identity.fusion.serviceaccount.identity.mesh.test');
    assert.equal(identity?.component, 'identity');
    const destination = program.lines.find((l) => l.msg === 'destination service listening');
    assert.equal(destination?.identity, 'destination.fusion.serviceaccount.identity.mesh.test');
    assert.equal(destination?.component, 'destination');
    assert.match(
      metrics,
      /^destination_registrations_refused_total\{reason="service-identity-mismatch"\} 0$/m,
    );
    assert.match(metrics, /^trace_receiver_traces 0$/m);
    const receiver = program.lines.find((l) => l.msg === 'trace receiver listening');
    assert.equal(receiver?.component, 'traces');
    const services = await fetch(`http://${receiver?.address}/api/services`);
    assert.deepEqual(await services.json(), {
      data: [],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    });

    program.child.kill('SIGTERM');
    assert.equal(await program.exit, 0);
    assert.ok(program.lines.some((l) => l.msg === 'stopped'));
  });

  it('follows fusion.yaml: a valid edit is the next generation on the public API, a broken one is refused and logged', async (t) => {
    const file = join(pki.dir, 'live.yaml');
    await writeFile(file, CONFIG);
    const program = run({
      FUSION_CONFIG: file,
      FUSION_PKI_DIR: pki.dir,
      FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
      FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
    });
    // A failed assertion must not leave the program running (and the test runner waiting).
    t.after(() => {
      if (program.child.exitCode === null) program.child.kill('SIGKILL');
    });
    const api = `http://${(await program.line((l) => l.msg === 'public API listening')).address}`;
    await program.line((l) => l.msg === 'control plane started');
    const first = (await (await fetch(`${api}/api/v1/config`)).json()) as ApiConfig;
    assert.equal(first.generation, 1);
    assert.equal(first.file, file);

    await writeAtomically(
      file,
      CONFIG.replace(
        'command: node -e 1',
        'command: node -e 1\n  billing: { port: 18002, command: x }',
      ),
    );
    const applied = await program.line((l) => l.msg === 'config applied');
    assert.equal(applied.generation, 2);
    assert.deepEqual(applied.restart_required, []);
    const second = (await (await fetch(`${api}/api/v1/config`)).json()) as ApiConfig;
    assert.equal(second.generation, 2);
    assert.notEqual(second.version, first.version);

    await writeAtomically(file, CONFIG.replace('port: 18001', 'port: high'));
    const refused = await program.line((l) => String(l.msg).startsWith('config refused'));
    assert.equal(refused.level, 'error');
    assert.match(String((refused.errors as string[])[0]), /live\.yaml:9:11: /);
    const third = (await (await fetch(`${api}/api/v1/config`)).json()) as ApiConfig;
    assert.equal(third.generation, 2, 'the last good config stays in force');
    assert.equal(third.lastError?.errors[0]?.line, 9);
    const metrics = await (
      await fetch(
        `http://${(await program.line((l) => l.msg === 'admin listening')).address}/metrics`,
      )
    ).text();
    assert.match(metrics, /^control_plane_config_refused 1$/m);
    assert.match(metrics, /^control_plane_config_reloads_total\{result="applied"\} 1$/m);
    // Without FUSION_TRACE_RECEIVER_ADDR there is no receiver, and no metric of it.
    assert.ok(!program.lines.some((l) => l.msg === 'trace receiver listening'));
    assert.doesNotMatch(metrics, /^trace_receiver_traces /m);

    program.child.kill('SIGTERM');
    assert.equal(await program.exit, 0);
  });

  it('exits 1 with one fatal line naming a missing FUSION_PKI_DIR', async () => {
    const program = run({ FUSION_CONFIG: configPath });
    assert.equal(await program.exit, 1);
    assert.equal(program.lines.length, 1);
    const [fatal] = program.lines;
    assert.equal(fatal?.level, 'fatal');
    assert.equal(fatal?.variable, 'FUSION_PKI_DIR');
    assert.match(String(fatal?.msg), /FUSION_PKI_DIR is not set/);
  });

  it('exits 1 naming destination when its port is taken, never having said it started', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const program = run({
      FUSION_CONFIG: configPath,
      FUSION_PKI_DIR: pki.dir,
      FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_DESTINATION_LISTEN_ADDR: `127.0.0.1:${(busy.address() as AddressInfo).port}`,
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
      FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
    });
    const code = await program.exit;
    busy.close();
    assert.equal(code, 1);
    assert.ok(program.lines.some((l) => l.msg === 'identity service listening'));
    assert.ok(!program.lines.some((l) => l.msg === 'control plane started'));
    const fatal = program.lines.find((l) => l.level === 'fatal');
    assert.match(String(fatal?.msg), /^destination cannot start: listen EADDRINUSE/);
  });

  it('exits 1 naming the problem when the PKI directory holds no valid issuer', async () => {
    const broken = await createTestPki();
    await rm(join(broken.dir, 'issuer.key'));
    const program = run({
      FUSION_CONFIG: configPath,
      FUSION_PKI_DIR: broken.dir,
      FUSION_IDENTITY_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_DESTINATION_LISTEN_ADDR: '127.0.0.1:0',
      FUSION_CONTROL_PLANE_ADMIN_ADDR: '127.0.0.1:0',
      FUSION_API_LISTEN_ADDR: '127.0.0.1:0',
    });
    const code = await program.exit;
    await broken.remove();
    assert.equal(code, 1);
    const fatal = program.lines.find((l) => l.level === 'fatal');
    assert.match(String(fatal?.msg), /no valid issuer in .*: cannot read .*issuer\.key: ENOENT/);
  });
});
