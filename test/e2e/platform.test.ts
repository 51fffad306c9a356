/**
 * The platform under `fusion up --detach` with the embedded PostgreSQL: all nine services
 * ready, status, a second `up`, a service killed with SIGKILL and brought back, `down`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Credentials, certify } from '@fusion/identity-client';
import pg from 'pg';
import {
  anyAlive,
  eventually,
  getJson,
  preparePlatform,
  type StatusJson,
} from './helpers/platform.ts';

const SERVICES = [
  'api-gateway',
  'ai-kernel',
  'identity',
  'cv-engine',
  'conversational',
  'analytics',
  'automation',
  'vision',
  'plugin',
];
const DATA_OWNERS = [
  'identity',
  'cv_engine',
  'conversational',
  'analytics',
  'automation',
  'plugin',
];

describe('fusion up --detach with the embedded PostgreSQL', () => {
  const platform = preparePlatform(7100);
  const gateway = `http://127.0.0.1:${platform.ports['api-gateway']}`;
  let status: StatusJson;

  before(async () => {
    const began = performance.now();
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    console.log(
      `# fusion up --detach ready in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    status = await platform.status();
  });
  after(() => platform.cleanup());

  test('status --json lists postgres, the control plane and nine services behind their sidecars, ready, with pid and ports', () => {
    assert.equal(status.running, true);
    assert.equal(status.phase, 'running');
    const names = status.components.map((c) => c.name).sort();
    const sidecars = SERVICES.map((s) => `${s}-proxy`);
    assert.deepEqual(names, ['control-plane', 'postgres', ...SERVICES, ...sidecars].sort());
    const platformPorts: Record<string, number> = {
      postgres: platform.postgresPort,
      'control-plane': platform.identityPort,
    };
    for (const component of status.components) {
      assert.equal(component.state, 'ready', component.name);
      assert.ok(component.pid, `${component.name} has a pid`);
      const service = component.service ?? '';
      // A sidecar owns the published port; its app listens 10000 above it.
      const port =
        platformPorts[component.name] ??
        (component.name === service ? platform.ports[service]! + 10_000 : platform.ports[service]);
      assert.ok(
        component.listening?.includes(`127.0.0.1:${port}`),
        `${component.name} listens on ${port}: ${component.listening}`,
      );
    }
    assert.equal(status.components.find((c) => c.name === 'postgres')?.tier, 'infrastructure');
  });

  test('the gateway /health answers 200 with nine services up', async () => {
    const { status: code, body } = await getJson(`${gateway}/health`);
    assert.equal(code, 200);
    const services = body.services as Record<string, { status: string }>;
    assert.deepEqual(Object.keys(services).sort(), [...SERVICES].sort());
    assert.ok(Object.values(services).every((s) => s.status === 'up'));
  });

  test('every service answers /info, /ready and /metrics on its private port', async () => {
    for (const name of SERVICES) {
      const base = `http://127.0.0.1:${platform.ports[name]! + 10_000}`;
      const info = await getJson(`${base}/info`);
      assert.equal(info.body.name, name);
      assert.equal((await fetch(`${base}/ready`)).status, 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /process_resident_memory_bytes \d+/);
    }
  });

  test('services that own data have their schema and migrations in the embedded server', async () => {
    const client = new pg.Client({
      connectionString: `postgres://postgres@127.0.0.1:${platform.postgresPort}/postgres`,
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ schema_name: string }>(
        'select schema_name from information_schema.schemata',
      );
      const schemas = rows.map((r) => r.schema_name);
      for (const schema of DATA_OWNERS)
        assert.ok(schemas.includes(schema), `schema ${schema} exists`);
      const applied = await client.query('select id from identity.schema_migrations');
      assert.ok(applied.rowCount! >= 1);
    } finally {
      await client.end();
    }
  });

  test('a second `fusion up` says it is already running instead of failing on ports', async () => {
    const again = await platform.fusion(['up', '--detach']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running \(supervisor pid \d+\)/);
    assert.doesNotMatch(again.stderr, /EADDRINUSE/);
  });

  test('kill -9 of a service: the gateway names it while down, the supervisor restarts it', async () => {
    const victim = status.components.find((c) => c.name === 'ai-kernel')!;
    process.kill(victim.pid!, 'SIGKILL');
    const degraded = await eventually('the gateway to report ai-kernel down', async () => {
      const answer = await getJson(`${gateway}/health`);
      return answer.status === 503 ? answer : undefined;
    });
    assert.deepEqual(degraded.body.down, ['ai-kernel']);
    await eventually('the gateway to be healthy again', async () =>
      (await getJson(`${gateway}/health`)).status === 200 ? true : undefined,
    );
    const restarted = (await platform.status()).components.find((c) => c.name === 'ai-kernel')!;
    assert.equal(restarted.restarts, 1);
    assert.equal(restarted.lastExit, 'was killed by SIGKILL');
    assert.notEqual(restarted.pid, victim.pid);
    const supervisorLog = readFileSync(join(platform.stateDir, 'logs/supervisor.log'), 'utf8');
    assert.match(supervisorLog, /"msg":"ai-kernel was killed by SIGKILL"/);
  });

  test('every component logs JSON lines to .fusion/logs/<component>.log', () => {
    for (const name of ['postgres', ...SERVICES, ...SERVICES.map((s) => `${s}-proxy`)]) {
      const lines = readFileSync(join(platform.stateDir, `logs/${name}.log`), 'utf8')
        .trim()
        .split('\n');
      for (const line of lines) {
        const record = JSON.parse(line);
        assert.ok(record.time && record.level && 'msg' in record, `${name}: ${line}`);
      }
    }
  });

  const issued: Credentials[] = [];
  const certifyAs = async (service: string) => {
    const creds = await certify({
      identity: `${service}.default.serviceaccount.identity.cluster.local`,
      tokenFile: join(platform.stateDir, `run/tokens/${service}-proxy.jwt`),
      trustAnchorsPem: readFileSync(join(platform.stateDir, 'pki/ca.crt'), 'utf8'),
      identityAddr: `127.0.0.1:${platform.identityPort}`,
      identityServerName: 'identity.fusion.serviceaccount.identity.cluster.local',
      timeoutMs: 5_000,
      now: Date.now,
    });
    issued.push(creds);
    return creds;
  };

  test('the control plane runs in its tier, and fusion check passes', async () => {
    const cp = status.components.find((c) => c.name === 'control-plane')!;
    assert.equal(cp.tier, 'control-plane');
    assert.ok(cp.listening?.includes(`127.0.0.1:${platform.identityPort}`));
    const check = await platform.fusion(['check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /√ identity service reachable/);
  });

  test('each workload has a private token; with it the identity service issues a leaf openssl verifies', async () => {
    const tokenPath = join(platform.stateDir, 'run/tokens/ai-kernel-proxy.jwt');
    assert.equal(statSync(tokenPath).mode & 0o777, 0o600);
    const creds = await certifyAs('ai-kernel');
    // Test-only copies, outside the state directory, of the public certificates.
    const dir = mkdtempSync(join(tmpdir(), 'fusion-leaf-'));
    const [leaf, issuer] = creds.certChainPem.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    )!;
    writeFileSync(join(dir, 'leaf.crt'), `${leaf}\n`);
    writeFileSync(join(dir, 'issuer.crt'), `${issuer}\n`);
    const ca = join(platform.stateDir, 'pki/ca.crt');
    const verified = execFileSync('openssl', [
      'verify',
      '-CAfile',
      ca,
      '-untrusted',
      join(dir, 'issuer.crt'),
      join(dir, 'leaf.crt'),
    ]);
    assert.match(verified.toString(), /leaf\.crt: OK/);
    const text = execFileSync('openssl', [
      'x509',
      '-in',
      join(dir, 'leaf.crt'),
      '-noout',
      '-text',
    ]).toString();
    assert.match(text, /DNS:ai-kernel\.default\.serviceaccount\.identity\.cluster\.local/);
    assert.match(text, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/ai-kernel/);
    assert.match(text, /NIST CURVE: P-256/);
    const lifetime = creds.leaf.notAfter.getTime() - creds.leaf.notBefore.getTime();
    assert.equal(
      lifetime,
      24 * 3600_000 + 2 * 20_000,
      '24 h plus the clock-skew allowance on each side',
    );
  });

  test('a token is only good for its own service', async () => {
    const stolen = join(platform.stateDir, 'run/tokens/vision-proxy.jwt');
    await assert.rejects(
      certify({
        identity: 'identity.default.serviceaccount.identity.cluster.local',
        tokenFile: stolen,
        trustAnchorsPem: readFileSync(join(platform.stateDir, 'pki/ca.crt'), 'utf8'),
        identityAddr: `127.0.0.1:${platform.identityPort}`,
        identityServerName: 'identity.fusion.serviceaccount.identity.cluster.local',
        timeoutMs: 5_000,
        now: Date.now,
      }),
      /token-identity-mismatch|token is for vision/,
    );
  });

  test('fusion identity rotate-issuer: the running identity service issues from the new issuer', async () => {
    const before = (await certifyAs('vision')).certChainPem;
    const rotated = await platform.fusion(['identity', 'rotate-issuer']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const newIssuer = readFileSync(join(platform.stateDir, 'pki/issuer.crt'), 'utf8').trim();
    const after = await eventually(
      'leaves from the new issuer',
      async () => {
        const chain = (await certifyAs('vision')).certChainPem;
        return chain.includes(newIssuer) ? chain : undefined;
      },
      10_000,
    );
    assert.ok(!before.includes(newIssuer));
    assert.ok(after.includes(newIssuer));
  });

  test('fusion down stops every process and reports not running', async () => {
    const pids = (await platform.status()).components.map((c) => c.pid!).concat(status.pid!);
    const down = await platform.fusion(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(anyAlive(pids), false, 'no process is left');
    const after = await platform.fusion(['status', '--json']);
    assert.equal(after.code, 3);
    assert.equal(JSON.parse(after.stdout).running, false);
  });

  test('no workload private key is anywhere on disk; only the control plane’s own keys', () => {
    const files = listFiles(platform.stateDir);
    const withKeys = files.filter((f) => readFileSync(f).includes('PRIVATE KEY'));
    const rel = withKeys.map((f) => f.slice(platform.stateDir.length + 1)).sort();
    assert.deepEqual(rel, ['pki/ca.key', 'pki/issuer.key', 'pki/token.key']);
    for (const f of withKeys) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    assert.ok(issued.length >= 3);
    for (const creds of issued) {
      const body = creds.keyPem.replace(/-----[A-Z ]+-----|\s/g, '');
      for (const f of files)
        assert.ok(!readFileSync(f, 'utf8').includes(body), `a workload key is in ${f}`);
    }
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}
