/**
 * Access control under `fusion up` with the repository's least-privilege fusion.yaml: a caller
 * holding a real mesh certificate is admitted or refused by the callee's authorization, live
 * edits apply on open connections, every decision lands in the audit log, a rate limit holds its
 * rate, and the platform's edge refuses everything that is not the mesh.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { steadyLoad, sumSamples } from './helpers/load.ts';
import {
  type MeshCredentials,
  meshClient,
  meshCredentials,
  refusedCredentials,
} from './helpers/mesh-client.ts';
import { eventually, preparePlatform, type StatusJson } from './helpers/platform.ts';

const identityOf = (service: string) => `${service}.default.serviceaccount.identity.cluster.local`;

describe('access control under fusion up', () => {
  const platform = preparePlatform(7900);
  const port = (service: string) => platform.ports[service]!;
  let status: StatusJson;
  let vision: MeshCredentials;
  let kernel: MeshCredentials;

  before(async () => {
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    status = await platform.status();
    vision = await meshCredentials(platform.stateDir, 'vision');
    kernel = await meshCredentials(platform.stateDir, 'ai-kernel');
  });
  after(() => platform.cleanup());

  const adminOf = (component: string) =>
    status.components.find((c) => c.name === component)!.sidecar!.admin;
  const metricsOf = async (component: string) =>
    (await fetch(`http://${adminOf(component)}/metrics`)).text();
  const rssOf = (component: string) =>
    rssOfPid(status.components.find((c) => c.name === component)!.pid!);
  const rewriteConfig = (change: (text: string) => string) => {
    const next = `${platform.configPath}.next`;
    writeFileSync(next, change(readFileSync(platform.configPath, 'utf8')));
    renameSync(next, platform.configPath);
  };
  const audit = async (...args: string[]) => {
    const result = await platform.fusion(['audit', '--json', ...args]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, string>);
  };

  test("vision's certificate gets 403 at identity's port, ai-kernel's 200; both audited, the denial counted", async () => {
    const server = identityOf('identity');
    const asVision = meshClient(vision, port('identity'), server);
    const asKernel = meshClient(kernel, port('identity'), server);
    try {
      const refused = await asVision.get('/health');
      assert.equal(refused.status, 403);
      assert.equal(
        refused.headers['l5d-proxy-error'],
        `UNAUTHORIZED: ${identityOf('vision')} is not authorized by default:deny`,
      );
      assert.equal((await asKernel.get('/health')).status, 200);
    } finally {
      asVision.close();
      asKernel.close();
    }
    const deny = sumSamples(await metricsOf('identity-proxy'), 'inbound_http_authz_deny_total', [
      `client_id="${identityOf('vision')}"`,
    ]);
    assert.equal(deny, 1);
    const records = await eventually('both decisions in the audit log', async () => {
      const found = await audit('--service', 'identity', '--caller', 'vision');
      const kernelRecords = await audit('--service', 'identity', '--caller', 'ai-kernel');
      const allowed = kernelRecords.find((r) => r.path === '/health' && r.decision === 'allow');
      return found.length > 0 && allowed ? { denied: found[0]!, allowed } : undefined;
    });
    assert.equal(records.denied.decision, 'deny');
    assert.equal(records.denied.policy, 'default:deny');
    assert.equal(records.denied.caller, identityOf('vision'));
    assert.equal(records.allowed.policy, 'identity-callers[0]');
  });

  test('admitting vision in fusion.yaml applies on an open connection; reverting denies again', async () => {
    const client = meshClient(vision, port('identity'), identityOf('identity'));
    try {
      assert.equal((await client.get('/health')).status, 403);
      const original = readFileSync(platform.configPath, 'utf8');
      const admitVision = (text: string) =>
        text.replace(
          'clients: { services: [api-gateway, ai-kernel, cv-engine] }',
          'clients: { services: [api-gateway, ai-kernel, cv-engine, vision] }',
        );
      assert.notEqual(admitVision(original), original);
      const edited = performance.now();
      rewriteConfig(admitVision);
      const admitted = await eventually('vision to be admitted', async () => {
        const answer = await client.get('/health');
        return answer.status === 200 ? answer : undefined;
      });
      console.log(`# admitted ${(performance.now() - edited).toFixed(0)} ms after the edit`);
      assert.equal(admitted.reused, true, 'on the connection opened before the edit');
      rewriteConfig(() => original);
      const refused = await eventually('vision to be refused again', async () => {
        const answer = await client.get('/health');
        return answer.status === 403 ? answer : undefined;
      });
      assert.equal(refused.reused, true);
    } finally {
      client.close();
    }
  });

  test('a rate limit of 50 rps driven at 250 rps for 10 s: 50 a second pass, the rest get 429 with Retry-After', async () => {
    const gateway = `http://127.0.0.1:${port('api-gateway')}`;
    const unloaded: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await (await fetch(`${gateway}/v1/whoami`)).text();
      unloaded.push(performance.now() - started);
    }
    rewriteConfig((text) =>
      text.replace(/( {6}total:\n {8}requestsPerSecond: )5000\n/, '$150\n        burst: 5\n'),
    );
    await eventually('the gateway to limit at 50 rps', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${gateway}/v1/whoami`).then((r) => r.status)),
      );
      return answers.includes(429) ? true : undefined;
    });
    const rssBefore = rssOf('api-gateway-proxy');
    const passedPerSecond = new Array<number>(10).fill(0);
    const loaded: number[] = [];
    let refused = 0;
    let withRetryAfter = 0;
    const outcome = await steadyLoad({
      url: `${gateway}/v1/whoami`,
      rate: 250,
      durationMs: 10_000,
      onResponse: (sentAtMs, response, latencyMs) => {
        if (response.status === 200) {
          passedPerSecond[Math.min(9, Math.floor(sentAtMs / 1000))]! += 1;
          loaded.push(latencyMs);
        } else if (response.status === 429) {
          refused += 1;
          if (Number(response.headers.get('retry-after')) >= 1) withRetryAfter += 1;
        }
      },
    });
    const rssAfter = rssOf('api-gateway-proxy');
    console.log(`# 2xx per second: ${passedPerSecond.join(', ')}; ${refused} refused`);
    console.log(
      `# p99 unloaded ${p99(unloaded).toFixed(1)} ms, under the limit ${p99(loaded).toFixed(1)} ms; gateway sidecar RSS ${mb(rssBefore)} → ${mb(rssAfter)} MB`,
    );
    assert.equal(outcome.sent, 2500);
    // The first second also spends the burst (5); then the steady 50 a second, ±10 %.
    for (const [second, passed] of passedPerSecond.entries()) {
      const high = second === 0 ? 55 + 5 : 55;
      assert.ok(passed >= 45 && passed <= high, `second ${second}: ${passed} passed`);
    }
    assert.equal(refused + passedPerSecond.reduce((a, b) => a + b, 0), 2500);
    assert.equal(withRetryAfter, refused, 'every 429 says when to retry');
    const counted = sumSamples(
      await metricsOf('api-gateway-proxy'),
      'inbound_http_local_ratelimit_total',
      ['ratelimit_scope="total"'],
    );
    assert.ok(counted >= refused, `${counted} counted, ${refused} refused`);
    assert.ok(rssAfter < rssBefore + 50e6, 'the sidecar holds no per-request state');
  });

  test('the edge: every listener but the mesh ports is on loopback, and an internal port refuses all but mesh mTLS 1.3', async () => {
    for (const component of status.components) {
      for (const address of component.listening ?? []) {
        assert.match(
          address,
          /^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/,
          `${component.name} listens on ${address}`,
        );
      }
    }
    const identityPort = port('identity');
    // Plain HTTP.
    await assert.rejects(fetch(`http://127.0.0.1:${identityPort}/health`));
    const refused = await refusedCredentials(platform.stateDir, 'ai-kernel');
    const attempts: [string, Partial<MeshCredentials> & { maxVersion?: 'TLSv1.2' }][] = [
      ['no certificate', {}],
      ['a foreign CA', refused['a foreign CA']],
      ['an expired leaf', refused['an expired leaf']],
      ['a self-signed leaf with the right name', refused['a self-signed leaf with the right name']],
      ['TLS 1.2 with a valid certificate', { ...kernel, maxVersion: 'TLSv1.2' }],
    ];
    for (const [what, credentials] of attempts) {
      const outcome = await tlsAttempt(identityPort, refused.ca, credentials);
      assert.notEqual(outcome, 'served', `${what}: served`);
      console.log(`# ${what}: ${outcome}`);
    }
    // And the valid certificate, for contrast, is served.
    assert.equal(await tlsAttempt(identityPort, refused.ca, kernel), 'served');
  });
});

/** Connects, sends a request, and says whether an HTTP answer came back or why not. */
function tlsAttempt(
  port: number,
  ca: string,
  credentials: { key?: string; cert?: string; maxVersion?: 'TLSv1.2' },
): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: identityOf('identity'),
      checkServerIdentity: () => undefined,
      ALPNProtocols: ['http/1.1'],
      ...(credentials.key && { key: credentials.key, cert: credentials.cert }),
      ...(credentials.maxVersion && { maxVersion: credentials.maxVersion }),
    });
    let answer = '';
    socket.on('secureConnect', () =>
      socket.write('GET /health HTTP/1.1\r\nHost: identity\r\n\r\n'),
    );
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.startsWith('HTTP/1.1 ')) {
        socket.destroy();
        resolve('served');
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve(`refused (${error.code ?? error.message})`),
    );
    socket.on('close', () => resolve(answer === '' ? 'closed without an answer' : 'served'));
  });
}

/** VmRSS of a process, in bytes. */
function rssOfPid(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
