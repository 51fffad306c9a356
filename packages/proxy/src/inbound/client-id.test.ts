import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLIENT_ID_HEADER, clientIdLayer } from './client-id.ts';
import {
  type App,
  CALLER_ID,
  call,
  fakeRequest,
  type Mesh,
  meshConnect,
  recordingHandler,
  startApp,
  startMesh,
  startProxy,
} from './testing/index.ts';

describe('clientIdLayer', () => {
  it('replaces an l5d-client-id sent by the caller with the verified identity', async () => {
    const inner = recordingHandler();
    const handler = clientIdLayer()(inner.handler);
    await handler(fakeRequest({ [CLIENT_ID_HEADER]: 'forged', accept: '*/*' }, { clientId: 'me' }));
    assert.deepEqual(
      { ...inner.received[0]?.headers.toRecord() },
      {
        accept: '*/*',
        [CLIENT_ID_HEADER]: 'me',
      },
    );
  });

  it('removes it when the caller has no verified identity', async () => {
    const inner = recordingHandler();
    const handler = clientIdLayer()(inner.handler);
    await handler(fakeRequest({ [CLIENT_ID_HEADER]: 'forged' }));
    assert.equal(inner.received[0]?.headers.size, 0);
  });

  it('passes an anonymous request without the header through untouched', async () => {
    const inner = recordingHandler();
    const request = fakeRequest({ accept: '*/*' });
    await clientIdLayer()(inner.handler)(request);
    assert.equal(inner.received[0], request);
  });
});

describe('inbound over mesh mTLS', () => {
  let mesh: Mesh;
  let app: App;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  before(async () => {
    mesh = await startMesh();
    app = await startApp((_req, res) => res.end('hello from the app'));
    proxy = await startProxy(mesh, app.port);
  });
  after(async () => {
    await proxy.close();
    await app.close();
    await mesh.close();
  });

  it("answers with the app's response and tells the app who called", async () => {
    const session = meshConnect(mesh, proxy.port, mesh.caller);
    try {
      const reply = await call(session, { ':path': '/who', [CLIENT_ID_HEADER]: 'admin.forged' });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'hello from the app');
      assert.equal(app.seen.length, 1);
      assert.equal(app.seen[0]?.url, '/who');
      assert.equal(app.seen[0]?.headers[CLIENT_ID_HEADER], CALLER_ID);
    } finally {
      session.close();
    }
  });
});
