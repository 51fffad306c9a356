import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { captureLogger } from '../../../identity-client/src/testing/index.ts';
import { CLIENT_ID_HEADER } from './client-id.ts';
import {
  type App,
  CALLER_ID,
  call,
  http1Call,
  type Mesh,
  meshConnect,
  rawTlsExchange,
  sample,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

describe('inbound listener', () => {
  let mesh: Mesh;
  let app: App;
  before(async () => {
    mesh = await startMesh();
    app = await startApp((req, res) => res.end(`hello ${req.httpVersion}`));
  });
  after(async () => {
    await app.close();
    await mesh.close();
  });

  it('fails the handshake of a caller without a mesh certificate (all-authenticated)', async (t) => {
    const { logger, lines } = captureLogger();
    const proxy = await startProxy(mesh, app.port, { defaultPolicy: 'all-authenticated', logger });
    t.after(() => proxy.close());
    const clientErrors: (string | undefined)[] = [];
    for (const client of [undefined, mesh.stranger]) {
      const session = meshConnect(mesh, proxy.port, client);
      const error = await call(session).then(
        () => assert.fail('the request went through'),
        (e: NodeJS.ErrnoException) => e,
      );
      clientErrors.push(error.code);
      if (!session.destroyed) await once(session, 'close');
    }
    // Without a certificate OpenSSL sends an alert; a certificate from another anchor is
    // checked by Node after the handshake, which just drops the connection.
    assert.deepEqual(clientErrors, ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', undefined]);
    const failed = lines.filter((line) => line.msg === 'inbound TLS handshake failed');
    assert.deepEqual(
      failed.map((line) => line.authorizationError),
      [null, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'],
    );
    assert.equal(app.seen.length, 0, 'nothing reached the app');
  });
  it('lets the gateway take plain HTTP/1.1 from outside the mesh on the mesh port', async (t) => {
    // fusion.yaml's mesh default is all-authenticated; the gateway must still serve the public.
    const proxy = await startProxy(mesh, app.port, {
      defaultPolicy: 'all-authenticated',
      external: true,
    });
    t.after(() => proxy.close());
    const before = app.seen.length;
    const plain = await http1Call(proxy.port, { headers: { [CLIENT_ID_HEADER]: CALLER_ID } });
    assert.equal(plain.status, 200);
    assert.equal(plain.body, 'hello 1.1');
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(() => session.close());
    const meshed = await call(session);
    assert.equal(meshed.status, 200);
    const seen = app.seen.slice(before);
    assert.deepEqual(
      seen.map((s) => s.headers[CLIENT_ID_HEADER]),
      [undefined, CALLER_ID],
      'the forged identity was dropped; the verified one was passed on',
    );
  });

  it('refuses plain HTTP on a port that takes only mesh mTLS', async (t) => {
    const proxy = await startProxy(mesh, app.port, { defaultPolicy: 'all-authenticated' });
    t.after(() => proxy.close());
    const before = app.seen.length;
    await assert.rejects(http1Call(proxy.port), { code: 'ECONNRESET' });
    assert.equal(app.seen.length, before);
  });

  it('admits callers without identity under all-unauthenticated, and labels none', async (t) => {
    const proxy = await startProxy(mesh, app.port, { defaultPolicy: 'all-unauthenticated' });
    t.after(() => proxy.close());
    const before = app.seen.length;
    const replies = [
      await http1Call(proxy.port),
      await http1Call(proxy.port, { tls: { mesh } }),
      await http1Call(proxy.port, { tls: { mesh, client: mesh.caller } }),
    ];
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200],
    );
    const seen = app.seen.slice(before);
    assert.deepEqual(
      seen.map((s) => [s.httpVersion, s.headers[CLIENT_ID_HEADER]]),
      [
        ['1.1', undefined],
        ['1.1', undefined],
        ['1.1', CALLER_ID],
      ],
    );
    const anonymous =
      'request_total{direction="inbound",tls="no_identity",no_tls_reason="no_tls_from_remote"}';
    assert.equal(sample(proxy.registry, anonymous), 2);
    assert.equal(
      sample(
        proxy.registry,
        `request_total{direction="inbound",tls="true",client_id="${CALLER_ID}"}`,
      ),
      1,
    );
  });

  it('fails to start on a taken port without leaving a credentials listener behind', async (t) => {
    const first = await startProxy(mesh, app.port);
    t.after(() => first.close());
    const bound = mesh.identity.listenerCount('rotated');
    await assert.rejects(
      startProxy(mesh, app.port, { listen: { host: '127.0.0.1', port: first.port } }),
      { code: 'EADDRINUSE' },
    );
    assert.equal(mesh.identity.listenerCount('rotated'), bound);
  });

  it('issues no TLS session ticket a client could resume', async (t) => {
    const proxy = await startProxy(mesh, app.port);
    t.after(() => proxy.close());
    const first = await rawTlsExchange(proxy.port, mesh);
    t.diagnostic(`tickets on the first connection: ${first.tickets.length}`);
    for (const ticket of first.tickets) {
      const again = await rawTlsExchange(proxy.port, mesh, ticket);
      assert.equal(again.reused, false);
    }
    assert.equal(first.reused, false);
  });
});
