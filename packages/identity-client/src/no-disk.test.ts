/**
 * Private keys never touch the disk. By construction: the package's only file-system call is
 * the `readFile` of the workload token, which the first test holds to by reading every import
 * of the shipped sources. By behaviour: a client that certifies, renews and serves traffic
 * from a fresh working directory leaves that directory, and the token's, as it found them.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IdentityClient } from './client/index.ts';
import {
  captureLogger,
  createTestPki,
  GATEWAY,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  startFakeIdentityService,
  tokenDir,
  until,
} from './testing/index.ts';
import { bindServerCredentials, createMeshAgent, meshServerOptions } from './tls/index.ts';

const SRC = fileURLToPath(new URL('.', import.meta.url));

/** Source files that ship: not tests, not the test helpers (which write token files). */
async function shippedSources(dir = SRC): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'testing')
      found.push(...(await shippedSources(path)));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      found.push(path);
  }
  return found.sort();
}

describe('no key material on disk', () => {
  it('by construction: the only file-system call in shipped code reads the token', async () => {
    const files = await shippedSources();
    assert.ok(files.length >= 15, `found ${files.length} shipped files`);
    const fsImports: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(
        /import\s+([^;]*?)\s+from\s+'((?:node:)?(?:fs|fs\/promises|child_process|worker_threads))'/g,
      )) {
        fsImports.push(`${relative(SRC, file)}: ${match[1]} from ${match[2]}`);
      }
      // Dynamic imports or require would slip past the static check above.
      assert.doesNotMatch(text, /\bimport\(|\brequire\(/, relative(SRC, file));
    }
    assert.deepEqual(fsImports, ['certify/certify.ts: { readFile } from node:fs/promises']);
  });

  it('by behaviour: certifying, renewing and serving leaves the working directory empty', async () => {
    const workdir = await mkdtemp(join(tmpdir(), 'identity-client-cwd-'));
    const home = process.cwd();
    const pki = await createTestPki();
    const service = await startFakeIdentityService({
      pki,
      serverIdentity: IDENTITY_SERVICE_NAME,
      lifetimeMs: 2_000,
    });
    const tokens = [
      await tokenDir(await pki.mintToken(KERNEL)),
      await tokenDir(await pki.mintToken(GATEWAY)),
    ];
    process.chdir(workdir);
    const clientFor = (identity: string, tokenFile: string) =>
      new IdentityClient({
        identity,
        tokenFile,
        trustAnchorsPem: pki.anchorsPem,
        identityAddr: service.addr,
        identityServerName: IDENTITY_SERVICE_NAME,
        minRefreshMs: 100,
        logger: captureLogger().logger,
      });
    const kernel = clientFor(KERNEL, tokens[0]!.file);
    const gateway = clientFor(GATEWAY, tokens[1]!.file);
    let rotations = 0;
    kernel.on('rotated', () => rotations++);
    const server = https.createServer(meshServerOptions(await kernel.start()), (_req, res) =>
      res.end('ok'),
    );
    const unbind = bindServerCredentials(server, kernel);
    await gateway.start();
    const agent = createMeshAgent(gateway);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      // The first certificate counts too: three rotations are two renewals.
      await until(() => rotations >= 3, 'two renewals');
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, servername: KERNEL, agent }, (res) => {
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      assert.equal(body, 'ok');
    } finally {
      process.chdir(home);
      unbind();
      agent.destroy();
      kernel.stop();
      gateway.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await service.close();
    }
    assert.deepEqual(await readdir(workdir), []);
    for (const token of tokens) assert.deepEqual(await readdir(token.dir), ['token']);
    assert.ok(service.callCount >= 4, `${service.callCount} certificates were issued meanwhile`);
    await rm(workdir, { recursive: true });
    await Promise.all(tokens.map((token) => token.remove()));
  });
});
