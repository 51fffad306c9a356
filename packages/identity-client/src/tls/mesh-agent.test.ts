import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { IdentityClient } from '../client/index.ts';
import type { Credentials } from '../credentials/index.ts';
import {
  captureLogger,
  createTestPki,
  type FakeIdentityService,
  GATEWAY,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  startFakeIdentityService,
  type TestPki,
  tokenDir,
  until,
} from '../testing/index.ts';
import { createMeshAgent } from './mesh-agent.ts';
import { bindServerCredentials, meshServerOptions } from './server.ts';

let pki: TestPki;
let service: FakeIdentityService;
let tokens: Awaited<ReturnType<typeof tokenDir>>[];
let kernel: IdentityClient;
let server: https.Server;
let port: number;
const callerSerials: string[] = [];

function clientFor(identity: string, tokenFile: string): IdentityClient {
  return new IdentityClient({
    identity,
    tokenFile,
    trustAnchorsPem: pki.anchorsPem,
    identityAddr: service.addr,
    identityServerName: IDENTITY_SERVICE_NAME,
    minRefreshMs: 100,
    logger: captureLogger().logger,
  });
}

before(async () => {
  pki = await createTestPki();
  service = await startFakeIdentityService({ pki, serverIdentity: IDENTITY_SERVICE_NAME });
  tokens = [
    await tokenDir(await pki.mintToken(KERNEL)),
    await tokenDir(await pki.mintToken(GATEWAY)),
  ];
  kernel = clientFor(KERNEL, tokens[0]!.file);
  server = https.createServer(meshServerOptions(await kernel.start()), (req, res) => {
    callerSerials.push((req.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase());
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  kernel.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await service.close();
  await Promise.all(tokens.map((t) => t.remove()));
});

function get(agent: https.Agent, servername?: string): Promise<{ body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/', agent, ...(servername ? { servername } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ body, reused: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('createMeshAgent', () => {
  it('calls a mesh server with mutual TLS and reuses the connection', async () => {
    const gateway = clientFor(GATEWAY, tokens[1]!.file);
    const agent = createMeshAgent(gateway);
    try {
      const credentials = await gateway.start();
      assert.deepEqual(await get(agent, KERNEL), { body: 'ok', reused: false });
      assert.deepEqual(await get(agent, KERNEL), { body: 'ok', reused: true });
      assert.deepEqual(callerSerials.slice(-2), [credentials.serial, credentials.serial]);
    } finally {
      agent.destroy();
      gateway.stop();
    }
  });

  it('refuses a server that is not the identity asked for, or not named at all', async () => {
    const gateway = clientFor(GATEWAY, tokens[1]!.file);
    const agent = createMeshAgent(gateway);
    try {
      await gateway.start();
      await assert.rejects(
        get(agent, GATEWAY),
        new RegExp(`presented identity '${KERNEL}' but '${GATEWAY}'`),
      );
      await assert.rejects(get(agent), /does not name the peer's identity: set servername/);
    } finally {
      agent.destroy();
      gateway.stop();
    }
  });

  it('fails requests clearly until the identity client has credentials', async () => {
    const gateway = clientFor(GATEWAY, tokens[1]!.file);
    const agent = createMeshAgent(gateway);
    try {
      await assert.rejects(
        get(agent, KERNEL),
        /no mesh credentials yet for api-gateway.*start\(\)/,
      );
    } finally {
      agent.destroy();
    }
  });

  it('after a rotation closes idle old connections and handshakes with the new certificate', async () => {
    service.lifetimeMs = 2_000;
    const gateway = clientFor(GATEWAY, tokens[1]!.file);
    const rotations: Credentials[] = [];
    gateway.on('rotated', (c) => rotations.push(c));
    const agent = createMeshAgent(gateway);
    try {
      const first = await gateway.start();
      await get(agent, KERNEL);
      const idle = () => Object.values(agent.freeSockets).flatMap((list) => list ?? []);
      assert.equal(idle().length, 1);
      await until(() => rotations.length >= 2, 'a rotation');
      // Destroyed at once; the agent drops it from its list when the close completes.
      assert.ok(
        idle().every((socket) => socket.destroyed),
        `the idle old connection was closed: ${idle().map((s) => s.destroyed)}`,
      );
      const after = await get(agent, KERNEL);
      assert.equal(after.reused, false);
      assert.equal(callerSerials.at(-1), gateway.credentials()!.serial);
      assert.notEqual(callerSerials.at(-1), first.serial);
    } finally {
      service.lifetimeMs = 3_600_000;
      agent.destroy();
      gateway.stop();
    }
  });
});

describe('bindServerCredentials', () => {
  it('installs the current credentials and every rotation, until unbound', async () => {
    const applied: tls.SecureContextOptions[] = [];
    const fakeServer = { setSecureContext: (o: tls.SecureContextOptions) => applied.push(o) };
    const current = kernel.credentials()!;
    const unbind = bindServerCredentials(fakeServer as unknown as tls.Server, kernel, {
      ciphers: 'TLS_AES_128_GCM_SHA256',
    });
    assert.equal(applied.length, 1);
    assert.equal(applied[0]!.cert, current.certChainPem);
    assert.equal(applied[0]!.ciphers, 'TLS_AES_128_GCM_SHA256');
    kernel.emit('rotated', current);
    assert.equal(applied.length, 2);
    unbind();
    kernel.emit('rotated', current);
    assert.equal(applied.length, 2, 'no swaps after unbinding');
  });
});
