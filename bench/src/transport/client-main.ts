/**
 * The transport scenario's client end: the load generator and the transport under test in one
 * process, as they are in a proxy's outbound side. Each mode's connections are made once and
 * reused by every run of that mode (a proxy keeps them for hours).
 */
import http2 from 'node:http2';
import https from 'node:https';
import tls from 'node:tls';
import { closedLoop, encodeLoad, http1Client, openLoop, type Send } from '../load/index.ts';
import type { ClientMessage, ClientReply, ClientSetup, TransportMode } from './messages.ts';

/** Linkerd's connection window, as our proxy sets it. */
const CONNECTION_WINDOW_BYTES = 1_048_576;
const AUTHORITY = 'upstream';

let setup: ClientSetup | undefined;
const senders = new Map<TransportMode, Promise<Send>>();

function reply(message: ClientReply): void {
  process.send?.(message);
}

process.on('message', (message: ClientMessage) => {
  if (message.type === 'setup') {
    setup = message;
    reply({ type: 'ready' });
    return;
  }
  void run(message.mode, message.pattern).then(
    (load) => reply({ type: 'result', load }),
    (error: Error) => reply({ type: 'error', message: error.message }),
  );
});
process.on('disconnect', () => process.exit(0));

async function run(
  mode: TransportMode,
  pattern: Extract<ClientMessage, { type: 'run' }>['pattern'],
) {
  let sender = senders.get(mode);
  if (!sender) {
    sender = connect(mode);
    senders.set(mode, sender);
  }
  const send = await sender;
  const result =
    pattern.kind === 'closed'
      ? await closedLoop(send, pattern)
      : await openLoop(send, { rate: pattern.rate, seconds: pattern.seconds });
  return encodeLoad(result);
}

function tlsOptions(s: ClientSetup): tls.ConnectionOptions {
  return {
    key: s.tls.keyPem,
    cert: s.tls.chainPem,
    ca: s.tls.anchorsPem,
    minVersion: 'TLSv1.3',
    // The peer is named by its identity (the DNS SAN), never by the address dialled.
    servername: s.serverIdentity,
  };
}

async function connect(mode: TransportMode): Promise<Send> {
  const s = setup;
  if (!s) throw new Error('run before setup');
  switch (mode) {
    case 'h2':
      return connectH2(s);
    case 'h1-undici': {
      const client = http1Client({
        origin: `https://127.0.0.1:${s.port}`,
        connections: s.connections,
        host: AUTHORITY,
        // Mesh clients never resume TLS sessions (docs/decisions/0006).
        tls: { ...tlsOptions(s), maxCachedSessions: 0 },
      });
      return client.send;
    }
    case 'h1-agent': {
      const agent = new https.Agent({
        ...tlsOptions(s),
        keepAlive: true,
        maxSockets: s.connections,
        maxCachedSessions: 0,
      });
      return () =>
        new Promise<number>((resolve, reject) => {
          const req = https.request(
            {
              agent,
              host: '127.0.0.1',
              port: s.port,
              path: '/',
              method: 'GET',
              headers: { host: AUTHORITY },
              servername: s.serverIdentity,
            },
            (res) => {
              res.resume();
              res.once('end', () => resolve(res.statusCode ?? 0));
              res.once('error', reject);
            },
          );
          req.once('error', reject);
          req.end();
        });
    }
  }
}

/** One session, connected as our proxy's outbound side connects to a peer (outbound/connect.ts). */
function connectH2(s: ClientSetup): Promise<Send> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: s.port,
      ...tlsOptions(s),
      ALPNProtocols: ['h2'],
    });
    socket.setNoDelay(true);
    const session = http2.connect(`https://127.0.0.1:${s.port}`, {
      createConnection: () => socket,
    });
    session.once('error', reject);
    session.once('remoteSettings', () => {
      session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      const headers = { ':method': 'GET', ':path': '/', ':authority': AUTHORITY };
      resolve(
        () =>
          new Promise<number>((done, fail) => {
            const stream = session.request(headers, { endStream: true });
            let status = 0;
            stream.once('response', (h) => {
              status = Number(h[':status']);
            });
            stream.on('data', () => {});
            stream.once('end', () => done(status));
            stream.once('error', fail);
          }),
      );
    });
  });
}
