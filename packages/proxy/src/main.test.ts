/**
 * fusion-proxy as the supervisor runs it: a child process, environment in, log lines out.
 * The full start (certificate, inbound, outbound) is tested once those sides exist; here, the
 * startup report for a bad environment, and the life of a proxy still waiting for identity.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTrustAnchor } from '@fusion/pki';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Run {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: () => string;
  line(accept: (line: string) => boolean): Promise<string>;
  readonly exit: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const waiting: [(line: string) => boolean, (line: string) => void][] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    lines.push(text);
    for (const [accept, resolve] of waiting) if (accept(text)) resolve(text);
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exit,
    line: (accept) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(accept);
        if (seen) return resolve(seen);
        waiting.push([accept, resolve]);
        void exit.then((code) => reject(new Error(`exited ${code} first: ${lines.join('\n')}`)));
      }),
  };
}

let anchorsPem = '';
before(async () => {
  anchorsPem = (await createTrustAnchor({ commonName: 'root.cluster.local' })).certPem;
});

/** A complete environment whose identity service is unreachable (port 1 refuses). */
function sidecarEnv(): Record<string, string> {
  return {
    LINKERD2_PROXY_LOG: 'warn,linkerd=info',
    LINKERD2_PROXY_LOG_FORMAT: 'json',
    LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'all-authenticated',
    LINKERD2_PROXY_IDENTITY_SVC_ADDR: '127.0.0.1:1',
    LINKERD2_PROXY_IDENTITY_SVC_NAME: 'identity.fusion.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_LOCAL_NAME: 'ai-kernel.default.serviceaccount.identity.cluster.local',
    LINKERD2_PROXY_IDENTITY_TOKEN_FILE: '/nonexistent/token',
    LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: anchorsPem,
    LINKERD2_PROXY_ADMIN_LISTEN_ADDR: '127.0.0.1:0',
    LINKERD2_PROXY_INBOUND_LISTEN_ADDR: '127.0.0.1:0',
    LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '127.0.0.1:0',
    FUSION_PROXY_APP_ADDR: '127.0.0.1:18001',
  };
}

describe('fusion-proxy main', () => {
  it('exits 1 naming every bad variable, as one fatal JSON line and on stderr', async () => {
    const { FUSION_PROXY_APP_ADDR: _, ...env } = sidecarEnv();
    const program = run({
      ...env,
      LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'allow-all',
      LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD: '2 minutes',
    });
    assert.equal(await program.exit, 1);
    const bad = [
      'FUSION_PROXY_APP_ADDR',
      'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY',
      'LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD',
    ];
    assert.equal(program.lines.length, 1, program.lines.join('\n'));
    const fatal = JSON.parse(program.lines[0]!) as Record<string, unknown>;
    assert.equal(fatal.level, 'fatal');
    assert.equal(fatal.service, 'fusion-proxy');
    assert.equal(fatal.component, 'main');
    assert.deepEqual([...(fatal.variables as string[])].sort(), bad);
    for (const variable of bad) assert.match(String(fatal.msg), new RegExp(variable));

    const stderr = program.stderr();
    assert.match(
      stderr,
      /^fusion-proxy cannot start: proxy environment is invalid \(3 problems\):\n/,
    );
    assert.match(stderr, /\n {2}FUSION_PROXY_APP_ADDR is not set: expected the app's host:port/);
    assert.match(
      stderr,
      /\n {2}LINKERD2_PROXY_INBOUND_DEFAULT_POLICY is 'allow-all': expected one of deny,/,
    );
    assert.match(
      stderr,
      /\n {2}LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD is '2 minutes': expected a duration/,
    );
  });

  it('names the identity variables too, in the plain format by default', async () => {
    const program = run({ FUSION_PROXY_APP_ADDR: '127.0.0.1:18001' });
    assert.equal(await program.exit, 1);
    assert.equal(program.lines.length, 1);
    assert.match(program.lines[0]!, /^\S+ FATAL fusion-proxy main: proxy environment is invalid: /);
    for (const variable of [
      'LINKERD2_PROXY_IDENTITY_LOCAL_NAME',
      'LINKERD2_PROXY_IDENTITY_TOKEN_FILE',
      'LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS',
      'LINKERD2_PROXY_IDENTITY_SVC_ADDR',
      'LINKERD2_PROXY_IDENTITY_SVC_NAME',
    ]) {
      assert.match(program.stderr(), new RegExp(`\\n {2}${variable} is not set`));
    }
    assert.doesNotMatch(program.stderr(), /FUSION_PROXY_APP_ADDR/);
  });

  it('serves admin while waiting for identity, not ready, and exits 0 on SIGTERM', async () => {
    const program = run({ ...sidecarEnv(), LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: '' });
    const listening = JSON.parse(await program.line((l) => l.includes('"admin listening"'))) as {
      address: string;
    };
    const admin = `http://${listening.address}`;
    const warning = program.lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn');
    assert.equal(
      warning?.msg,
      'LINKERD2_PROXY_INBOUND_DEFAULT_POLICY is not set; using all-unauthenticated',
    );

    assert.equal((await fetch(`${admin}/live`)).status, 200);
    const ready = await fetch(`${admin}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(await ready.text(), 'not ready: waiting for the first identity certificate\n');
    const config = (await (await fetch(`${admin}/config`)).json()) as {
      service: string;
      identity: { serial: string | null };
      inbound: { defaultPolicy: string; app: string };
      outbound: { endpoints: Record<string, unknown> };
    };
    assert.equal(config.service, 'ai-kernel');
    assert.equal(config.identity.serial, null);
    assert.equal(config.inbound.defaultPolicy, 'all-unauthenticated');
    assert.equal(config.inbound.app, '127.0.0.1:18001');
    assert.deepEqual(config.outbound.endpoints, {});
    // The shutdown endpoint is off by default, as in Linkerd's chart.
    assert.equal((await fetch(`${admin}/shutdown`, { method: 'POST' })).status, 404);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);

    program.child.kill('SIGTERM');
    assert.equal(await program.exit, 0);
    const messages = program.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.ok(messages.includes('shutting down'), messages.join('\n'));
    assert.equal(messages.at(-1), 'stopped');
    assert.equal(program.stderr(), '');
  });

  it('shuts down on POST /shutdown when the endpoint is enabled', async () => {
    const program = run({ ...sidecarEnv(), LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED: 'true' });
    const listening = JSON.parse(await program.line((l) => l.includes('"admin listening"'))) as {
      address: string;
    };
    const res = await fetch(`http://${listening.address}/shutdown`, { method: 'POST' });
    assert.equal(res.status, 202);
    assert.equal(await program.exit, 0);
    const stop = program.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'shutting down');
    assert.equal(stop?.reason, 'admin request');
  });
});
