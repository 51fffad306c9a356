/**
 * Credentials rotate in place: after the identity client renews, new connections are served
 * with the new certificate while connections already open keep working on theirs.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type http2 from 'node:http2';
import { it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { Credentials } from '@fusion/identity-client';
import {
  call,
  meshConnect,
  rawTlsExchange,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

it('serves new connections with rotated credentials while old ones keep working', async (t) => {
  // The proxy's first certificate lives 3 s, so it renews after ~2 s (70 %); the next lasts.
  const mesh = await startMesh({ lifetimeMs: 3_000 });
  mesh.service.lifetimeMs = 3_600_000;
  const app = await startApp();
  const proxy = await startProxy(mesh, app.port);
  const sessions: http2.ClientHttp2Session[] = [];
  t.after(async () => {
    for (const session of sessions) session.close();
    await proxy.close();
    await app.close();
    await mesh.close();
  });
  const connect = () => {
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    sessions.push(session);
    return session;
  };
  const serialOf = (session: http2.ClientHttp2Session) =>
    (session.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase();

  const first = mesh.identity.credentials()!;
  const rotated = once(mesh.identity, 'rotated') as Promise<[Credentials]>;
  const old = connect();
  assert.equal((await call(old)).status, 200);
  assert.equal(serialOf(old), first.serial);

  const [renewed] = await rotated;
  assert.notEqual(renewed.serial, first.serial);
  const fresh = connect();
  assert.equal((await call(fresh)).status, 200);
  assert.equal(serialOf(fresh), renewed.serial, 'a new connection gets the new certificate');

  assert.equal((await call(old)).status, 200, 'the connection made before still works');
  assert.equal(serialOf(old), first.serial);
  assert.equal(app.seen.length, 3);

  // The swapped context keeps session tickets off (setSecureContext replaces all of it).
  const exchange = await rawTlsExchange(proxy.port, mesh);
  for (const ticket of exchange.tickets) {
    assert.equal((await rawTlsExchange(proxy.port, mesh, ticket)).reused, false);
  }
});
