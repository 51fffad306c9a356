/**
 * Servers keep their listening socket when credentials rotate: `setSecureContext` swaps the
 * key and chain for handshakes from now on, while connections already open carry on with the
 * context they were made with. Nothing is restarted, so no request is dropped.
 */
import type http2 from 'node:http2';
import type https from 'node:https';
import type tls from 'node:tls';
import type { IdentityClient } from '../client/index.ts';
import type { Credentials } from '../credentials/index.ts';

/**
 * Options for a mesh server: our key and chain, and mutual TLS — every caller must present a
 * certificate that chains to the trust anchors (authorization decides what it may do).
 */
export function meshServerOptions(credentials: Credentials): tls.TlsOptions {
  return { ...credentials.secureContextOptions(), requestCert: true, rejectUnauthorized: true };
}

/**
 * Keeps `server`'s certificate the client's current one. `extra` carries context settings
 * that are not credentials (ciphers, curves); credentials win where both name a field.
 * Returns a function that unbinds.
 */
export function bindServerCredentials(
  server: tls.Server | http2.Http2SecureServer | https.Server,
  client: IdentityClient,
  extra: tls.SecureContextOptions = {},
): () => void {
  const apply = (credentials: Credentials) =>
    server.setSecureContext({ ...extra, ...credentials.secureContextOptions() });
  client.on('rotated', apply);
  // The client may have rotated between the server's creation and this call.
  const current = client.credentials();
  if (current) apply(current);
  return () => {
    client.off('rotated', apply);
  };
}
