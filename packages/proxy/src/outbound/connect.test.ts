/**
 * connectMeshTls, the dialling an upgrade (WebSocket) uses instead of the shared HTTP/2 session:
 * the same certificate and peer-identity checks as the session, with the protocol asked for.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import type { ProxyError } from '../errors/proxy-error.ts';
import { connectMeshTls } from './connect.ts';
import { type Mesh, startMesh, X, Y } from './testing/index.ts';

describe('connectMeshTls', () => {
  let mesh: Mesh;
  const servers: tls.Server[] = [];
  before(async () => {
    mesh = await startMesh();
  });
  after(async () => {
    for (const server of servers) server.close();
    await mesh.close();
  });

  /** A peer proving `identity`, requiring a mesh certificate, offering `alpn`; it says hello. */
  async function peer(identity: string, alpn: string[]): Promise<string> {
    const credentials = await mesh.pki.serverCredentials(identity);
    const server = tls.createServer(
      {
        key: credentials.keyPem,
        cert: credentials.certChainPem,
        ca: mesh.pki.anchorsPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
        ALPNProtocols: alpn,
      },
      (socket) => socket.end('hello'),
    );
    server.on('tlsClientError', () => {});
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    servers.push(server);
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const dial = (address: string, identity: string) =>
    connectMeshTls({ address, identity }, mesh.client.credentials()!, 1_000, 'http/1.1');

  it('connects to the identity discovery named, with http/1.1 agreed', async () => {
    const socket = await dial(await peer(X, ['http/1.1']), X);
    assert.equal(socket.alpnProtocol, 'http/1.1');
    let text = '';
    for await (const chunk of socket) text += chunk;
    assert.equal(text, 'hello');
  });

  it('refuses a peer whose valid mesh certificate names another identity', async () => {
    const address = await peer(Y, ['http/1.1']);
    const error = (await dial(address, X).catch((e: unknown) => e)) as ProxyError;
    assert.equal(error.code, 'PEER_IDENTITY_MISMATCH');
    assert.match(error.message, new RegExp(`peer presented identity '${Y}'`));
  });

  it('fails the handshake with a peer that does not speak the protocol asked for', async () => {
    const error = (await dial(await peer(X, ['h2']), X).catch((e: unknown) => e)) as ProxyError;
    assert.equal(error.code, 'TLS_HANDSHAKE');
  });
});
