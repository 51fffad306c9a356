/**
 * Acceptance: certificates that live ten seconds rotate under steady mutual-TLS traffic and no
 * request fails. One identity client backs an HTTPS server (bound with bindServerCredentials),
 * another backs the caller (through createMeshAgent); requests go out every ~20 ms, most on
 * kept-alive connections and every fifth closing its connection so that new handshakes keep
 * happening. The run ends once the server side has rotated three times.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { IdentityClient } from '../client/index.ts';
import {
  captureLogger,
  createTestPki,
  GATEWAY,
  IDENTITY_SERVICE_NAME,
  KERNEL,
  startFakeIdentityService,
  tokenDir,
} from '../testing/index.ts';
import { createMeshAgent } from './mesh-agent.ts';
import { bindServerCredentials, meshServerOptions } from './server.ts';

const LIFETIME_MS = 10_000;
const REQUIRED_ROTATIONS = 3;
const GIVE_UP_AFTER_MS = 40_000;

it('rotates three times under mTLS load without failing a request', {
  timeout: 45_000,
}, async (t) => {
  const pki = await createTestPki();
  const service = await startFakeIdentityService({
    pki,
    serverIdentity: IDENTITY_SERVICE_NAME,
    lifetimeMs: LIFETIME_MS,
  });
  const tokens = [
    await tokenDir(await pki.mintToken(KERNEL)),
    await tokenDir(await pki.mintToken(GATEWAY)),
  ];
  const clientFor = (identity: string, tokenFile: string) =>
    new IdentityClient({
      identity,
      tokenFile,
      trustAnchorsPem: pki.anchorsPem,
      identityAddr: service.addr,
      identityServerName: IDENTITY_SERVICE_NAME,
      minRefreshMs: 1_000,
      logger: captureLogger().logger,
    });
  const kernel = clientFor(KERNEL, tokens[0]!.file);
  const gateway = clientFor(GATEWAY, tokens[1]!.file);
  const [kernelCredentials] = await Promise.all([kernel.start(), gateway.start()]);

  const callerSerialsSeenByServer = new Set<string>();
  const callerIdentities = new Set<string>();
  const server = https.createServer(meshServerOptions(kernelCredentials), (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    callerSerialsSeenByServer.add(peer.serialNumber);
    callerIdentities.add(peer.subjectaltname ?? '');
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const unbind = bindServerCredentials(server, kernel);
  let serverRotations = 0;
  let callerRotations = 0;
  const kernelSerials = new Set([kernelCredentials.serial]);
  kernel.on('rotated', (credentials) => {
    serverRotations++;
    kernelSerials.add(credentials.serial);
  });
  gateway.on('rotated', () => callerRotations++);
  const agent = createMeshAgent(gateway);

  const figures = {
    resumed: 0,
    sent: 0,
    succeeded: 0,
    failed: 0,
    reused: 0,
    fresh: 0,
    expiredPresented: 0,
  };
  const failures: string[] = [];
  const serverSerials = new Set<string>();
  const request = (closeAfter: boolean) =>
    new Promise<void>((resolve) => {
      figures.sent++;
      const fail = (why: string) => {
        figures.failed++;
        failures.push(why);
        resolve();
      };
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          servername: KERNEL,
          agent,
          headers: closeAfter ? { connection: 'close' } : {},
        },
        (res) => {
          const socket = res.socket as TLSSocket;
          if (socket.isSessionReused()) figures.resumed++;
          const peer = socket.getPeerCertificate();
          serverSerials.add(peer.serialNumber);
          if (Date.parse(peer.valid_to) <= Date.now()) figures.expiredPresented++;
          if (req.reusedSocket) figures.reused++;
          else figures.fresh++;
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('error', (error) => fail(`response: ${error.message}`));
          res.on('end', () => {
            if (res.statusCode === 200 && body === 'ok') {
              figures.succeeded++;
              resolve();
            } else fail(`status ${res.statusCode}: ${body}`);
          });
        },
      );
      req.on('error', (error) => fail(`request: ${error.message}`));
      req.end();
    });

  const inFlight = new Set<Promise<void>>();
  const send = (n: number) => {
    const done = request(n % 5 === 4);
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };
  const giveUpAt = Date.now() + GIVE_UP_AFTER_MS;
  let n = 0;
  try {
    while (serverRotations < REQUIRED_ROTATIONS) {
      if (Date.now() > giveUpAt) {
        assert.fail(`only ${serverRotations} rotations within ${GIVE_UP_AFTER_MS} ms`);
      }
      send(n++);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // A last burst so the newest certificate is presented on fresh connections too.
    for (let i = 0; i < 10; i++) {
      send(n++);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(inFlight);
  } finally {
    unbind();
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    kernel.stop();
    gateway.stop();
    await service.close();
    await Promise.all(tokens.map((token) => token.remove()));
  }

  t.diagnostic(
    `rotations: server ${serverRotations}, caller ${callerRotations}; requests ${figures.sent} ` +
      `(${figures.succeeded} ok, ${figures.failed} failed; ${figures.reused} on reused connections, ` +
      `${figures.fresh} on new ones); distinct serials: server ${serverSerials.size}, ` +
      `caller ${callerSerialsSeenByServer.size}; certify calls ${service.callCount}`,
  );
  assert.deepEqual(failures, []);
  assert.equal(figures.failed, 0);
  assert.equal(figures.succeeded, figures.sent);
  assert.ok(serverRotations >= REQUIRED_ROTATIONS);
  assert.equal(figures.resumed, 0, 'every connection verified the current server certificate');
  assert.ok(
    !serverSerials.has(undefined as unknown as string),
    'every response showed its certificate',
  );
  assert.deepEqual(
    [...serverSerials].filter((serial) => !kernelSerials.has(serial.toLowerCase())),
    [],
    'the server only ever presented certificates its identity client obtained',
  );
  assert.ok(serverSerials.size >= 3, `server presented ${serverSerials.size} distinct serials`);
  assert.ok(
    callerSerialsSeenByServer.size >= 3,
    `caller presented ${callerSerialsSeenByServer.size}`,
  );
  assert.deepEqual(
    [...callerIdentities].map((san) => san.split(',')[0]),
    [`DNS:${GATEWAY}`],
  );
  assert.equal(figures.expiredPresented, 0, 'no response came over an expired server certificate');
  assert.ok(
    figures.reused > figures.fresh && figures.fresh >= 10,
    'both kinds of connection were exercised',
  );
});
