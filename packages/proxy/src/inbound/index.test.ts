/** The assembled inbound stack: metrics around policy, rescue around all, and draining. */
import assert from 'node:assert/strict';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { PROXY_ERROR_HEADER } from '../errors/rescue.ts';
import {
  type App,
  CALLER_ID,
  call,
  http1Call,
  latch,
  type Mesh,
  meshConnect,
  sample,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

const CALLER = `direction="inbound",tls="true",client_id="${CALLER_ID}"`;

describe('the inbound stack', () => {
  let mesh: Mesh;
  let app: App;
  before(async () => {
    mesh = await startMesh();
    app = await startApp((req, res) => {
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.end();
    });
  });
  after(async () => {
    await app.close();
    await mesh.close();
  });

  it("records Linkerd's request and response counts, classified, per caller", async (t) => {
    const proxy = await startProxy(mesh, app.port);
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
    });
    const N = 5;
    for (let i = 0; i < N; i++) assert.equal((await call(session)).status, 200);
    assert.equal((await call(session, { ':path': '/broken' })).status, 500);

    assert.equal(sample(proxy.registry, `request_total{${CALLER}}`), N + 1);
    assert.equal(
      sample(
        proxy.registry,
        `response_total{${CALLER},status_code="200",classification="success"}`,
      ),
      N,
    );
    assert.equal(
      sample(
        proxy.registry,
        `response_total{${CALLER},status_code="500",classification="failure"}`,
      ),
      1,
    );
    assert.match(
      proxy.registry.expose(),
      new RegExp(`response_latency_ms_count\\{${CALLER},status_code="200"\\} ${N}\n`),
    );
  });

  it('refuses every request under deny with 403, counted as a failure', async (t) => {
    const proxy = await startProxy(mesh, app.port, { defaultPolicy: 'deny' });
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
    });
    const before = app.seen.length;
    const reply = await call(session);
    assert.equal(reply.status, 403);
    assert.match(String(reply.headers[PROXY_ERROR_HEADER]), /^UNAUTHORIZED: .*deny/);
    assert.equal(app.seen.length, before, 'the app saw nothing');
    assert.equal(
      sample(
        proxy.registry,
        `response_total{${CALLER},classification="failure",error="UNAUTHORIZED"}`,
      ),
      1,
    );
  });

  it('drains on close: requests in flight finish, idle connections close, no new ones', async (t) => {
    const arrived = latch();
    const release = latch();
    const slow = await startApp(async (req, res) => {
      if (req.url === '/slow') {
        arrived.open();
        await release.opened;
      }
      res.end('finished');
    });
    const proxy = await startProxy(mesh, slow.port, { defaultPolicy: 'all-unauthenticated' });
    const agent = new https.Agent({ keepAlive: true });
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      agent.destroy();
      session.close();
      await slow.close();
    });
    // An HTTP/1.1 keep-alive connection left idle, and an HTTP/2 request the app holds.
    const idle = await http1Call(proxy.port, { tls: { mesh }, agent });
    const idleClosed = new Promise((resolve) => idle.socket.once('close', resolve));
    const waiting = call(session, { ':path': '/slow' });
    await arrived.opened;

    const closed = proxy.close();
    await assert.rejects(http1Call(proxy.port), { code: 'ECONNREFUSED' });
    await idleClosed;
    release.open();
    const reply = await waiting;
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'finished');
    await closed;
  });

  it('sheds a request past maxInFlight with 503 LOAD_SHED; the app never sees it', async (t) => {
    const arrived = latch();
    const release = latch();
    const held = await startApp(async (_req, res) => {
      arrived.open();
      await release.opened;
      res.end('held');
    });
    const proxy = await startProxy(mesh, held.port, { maxInFlight: 1 });
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    t.after(async () => {
      session.close();
      await proxy.close();
      await held.close();
    });
    const first = call(session);
    await arrived.opened;
    const shed = await call(session);
    assert.equal(shed.status, 503);
    assert.match(
      String(shed.headers[PROXY_ERROR_HEADER]),
      /^LOAD_SHED: 1 requests already in flight/,
    );
    assert.equal(held.seen.length, 1, 'the shed request never reached the app');
    release.open();
    assert.equal((await first).body, 'held');
    assert.equal((await call(session)).body, 'held', 'room again once the response came');
  });
});
