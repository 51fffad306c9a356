/**
 * Callers of the proxy: mesh clients over HTTP/2 + mTLS, HTTP/1.1 clients plain or over TLS (as
 * a debugging tool would call), and a raw TLS client that watches session tickets.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { checkPeerIdentity } from '@fusion/identity-client';
import { type KeyAndChain, type Mesh, SERVER_ID } from './mesh.ts';

/** An HTTP/2 mesh connection to the proxy, presenting `client` (none: no certificate). */
export function meshConnect(mesh: Mesh, port: number, client?: KeyAndChain) {
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ...(client ? { key: client.keyPem, cert: client.certChainPem } : {}),
    ca: mesh.pki.anchorsPem,
    servername: SERVER_ID,
    checkServerIdentity: (_host, cert) => checkPeerIdentity(SERVER_ID, cert),
    minVersion: 'TLSv1.3',
  });
  session.on('error', () => {});
  return session;
}

export interface Reply {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
}

/** One request on `session`, its answer read to the end. */
export function call(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/', ...headers }, { endStream: body === undefined });
    let responseHeaders: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders | undefined;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (received) => {
      responseHeaders = received;
    });
    stream.on('trailers', (received) => {
      trailers = received;
    });
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => {
      if (!responseHeaders) return reject(new Error('the stream ended without a response'));
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        body: text,
        trailers,
      });
    });
    // A stream the session's end closes (a failed handshake) may end without 'end' or 'error'.
    stream.on('close', () => reject(new Error('the stream closed without a response')));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

export interface Http1Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly socket: Socket;
}

/**
 * One HTTP/1.1 request to the proxy on a connection of its own: plain, or TLS (presenting
 * `tls.client` when given) the way a debugging tool with a mesh certificate would send it.
 */
export function http1Call(
  port: number,
  options: {
    headers?: http.OutgoingHttpHeaders;
    tls?: { mesh: Mesh; client?: KeyAndChain };
    /** Default: a connection of its own, closed after the response. */
    agent?: http.Agent;
  } = {},
): Promise<Http1Reply> {
  const common = {
    host: '127.0.0.1',
    port,
    path: '/',
    headers: options.headers ?? {},
    agent: options.agent ?? (false as const),
  };
  const mesh = options.tls?.mesh;
  const client = options.tls?.client;
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      // Kept now: a keep-alive agent takes the socket back once the response ends.
      const socket = res.socket;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket }),
      );
      res.on('error', reject);
    };
    const req = mesh
      ? https.request(
          {
            ...common,
            ...(client ? { key: client.keyPem, cert: client.certChainPem } : {}),
            ca: mesh.pki.anchorsPem,
            servername: SERVER_ID,
            checkServerIdentity: (_host, cert) => checkPeerIdentity(SERVER_ID, cert),
          },
          onResponse,
        )
      : http.request(common, onResponse);
    req.on('error', reject);
    req.end();
  });
}

/** One HTTP/1.1 request over a raw mesh TLS connection, noting tickets and resumption. */
export function rawTlsExchange(
  port: number,
  mesh: Mesh,
  session?: Buffer,
): Promise<{ reused: boolean; tickets: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const tickets: Buffer[] = [];
    let reused = false;
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port,
        key: mesh.caller.keyPem,
        cert: mesh.caller.certChainPem,
        ca: mesh.pki.anchorsPem,
        servername: SERVER_ID,
        checkServerIdentity: () => undefined,
        ALPNProtocols: ['http/1.1'],
        ...(session ? { session } : {}),
      },
      () => {
        reused = socket.isSessionReused();
        socket.write('GET / HTTP/1.1\r\nhost: ai-kernel\r\nconnection: close\r\n\r\n');
      },
    );
    socket.on('session', (ticket: Buffer) => tickets.push(ticket));
    socket.on('error', reject);
    socket.resume();
    socket.on('close', () => resolve({ reused, tickets }));
  });
}
