import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

const fixture = new URL('./fixtures/slow-service.ts', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running fixture process, with its log lines and a way to wait for one. */
interface Fixture {
  child: ChildProcess;
  port: number;
  lines: Record<string, unknown>[];
  stderr: () => string;
  waitFor(msg: string): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Fixture {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const part of parts) {
      const line = JSON.parse(part) as Record<string, unknown>;
      lines.push(line);
      for (const w of waiters.filter((w) => w.msg === line.msg)) w.resolve(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    port: Number(env.PORT),
    lines,
    stderr: () => stderr,
    exited,
    waitFor: (msg) => {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        exited.then((code) => reject(new Error(`exited ${code} before "${msg}": ${stderr}`)));
      });
    },
  };
}

/** GET over a keep-alive connection; resolves with status, Connection header and body. */
function get(
  port: number,
  path: string,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true });
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c) => {
          body += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        );
      })
      .on('error', reject);
  });
}

describe('graceful shutdown (child process)', () => {
  it('finishes an in-flight request after SIGTERM, then exits 0', async () => {
    const service = start({ PORT: String(await freePort()) });
    await service.waitFor('service started');
    const response = get(service.port, '/slow');
    await service.waitFor('slow request started');
    service.child.kill('SIGTERM');
    const { status, connection, body } = await response;
    assert.equal(status, 200);
    assert.deepEqual(JSON.parse(body), { done: true });
    // Without this the client would hold the keep-alive socket and stall the drain.
    assert.equal(connection, 'close');
    assert.equal(await service.exited, 0);
    const messages = service.lines.map((l) => l.msg);
    assert.ok(messages.indexOf('shutting down: draining in-flight requests') >= 0);
    assert.equal(messages.at(-1), 'stopped');
  });

  it('exits 1 at once on a second signal', async () => {
    const service = start({ PORT: String(await freePort()) });
    await service.waitFor('service started');
    get(service.port, '/hang').catch(() => {});
    await service.waitFor('hang request started');
    service.child.kill('SIGTERM');
    await service.waitFor('shutting down: draining in-flight requests');
    service.child.kill('SIGINT');
    assert.equal(await service.exited, 1);
    assert.ok(service.lines.some((l) => l.msg === 'second signal during shutdown, exiting now'));
  });

  it('exits 1 when draining outlasts FUSION_SHUTDOWN_TIMEOUT_MS', async () => {
    const service = start({ PORT: String(await freePort()), FUSION_SHUTDOWN_TIMEOUT_MS: '200' });
    await service.waitFor('service started');
    get(service.port, '/hang').catch(() => {});
    await service.waitFor('hang request started');
    service.child.kill('SIGTERM');
    assert.equal(await service.exited, 1);
    const timedOut = service.lines.find((l) => l.msg === 'shutdown took too long, exiting');
    assert.equal(timedOut?.timeout_ms, 200);
  });

  it('prints one fatal JSON line naming a bad variable and exits 1', async () => {
    const service = start({ PORT: 'abc' });
    assert.equal(await service.exited, 1);
    const line = JSON.parse(service.stderr().trim());
    assert.equal(line.level, 'fatal');
    assert.equal(line.service, 'kit-fixture');
    assert.equal(line.code, 'FUSION_ERR_ENV_INVALID');
    assert.equal(line.msg, 'invalid environment: PORT="abc" is not a port number (1-65535)');
  });
});
