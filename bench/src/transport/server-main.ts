/**
 * The transport scenario's server end: one node:http2 secure server with `allowHTTP1`, exactly
 * the kind our proxy's inbound listener is (mTLS required, TLS 1.3, no session tickets, the
 * compatibility API), answering every request with 1 KiB. HTTP/2 and HTTP/1.1 clients reach
 * the same server, so the only difference between modes is the protocol on the wire.
 */
import { constants } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { ServerReady, ServerStart } from './messages.ts';

const BODY = Buffer.alloc(1024, 'x');
const HEADERS = { 'content-type': 'application/octet-stream', 'content-length': BODY.length };

process.once('message', (start: ServerStart) => {
  const server = http2.createSecureServer(
    {
      key: start.tls.keyPem,
      cert: start.tls.chainPem,
      ca: start.tls.anchorsPem,
      minVersion: 'TLSv1.3',
      secureOptions: constants.SSL_OP_NO_TICKET,
      requestCert: true,
      rejectUnauthorized: true,
      allowHTTP1: true,
    },
    (req, res) => {
      req.resume();
      res.writeHead(200, HEADERS);
      res.end(BODY);
    },
  );
  // Idle keep-alive connections must outlive the pauses between measurements.
  server.setTimeout(0);
  server.listen(0, '127.0.0.1', () => {
    const reply: ServerReady = { port: (server.address() as AddressInfo).port };
    process.send?.(reply);
  });
});
// Gone with the benchmark that forked us.
process.on('disconnect', () => process.exit(0));
