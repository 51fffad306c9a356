/** Starting and stopping the control plane's listeners. */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Starts a server listening and resolves with its bound address (port 0 picks a free one). */
export function listenOn(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** A plain-HTTP listener of the control plane (the public API, the trace receiver). */
export interface HttpListener {
  listen(host: string, port: number): Promise<AddressInfo>;
  address(): AddressInfo | undefined;
  /** Stops accepting and resolves once open requests are done; idle keep-alive sockets go now. */
  close(): Promise<void>;
}

export function httpListener(server: HttpServer): HttpListener {
  return {
    listen: (host, port) => listenOn(server, host, port),
    address: () => (server.listening ? (server.address() as AddressInfo) : undefined),
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Callers hold keep-alive connections between requests; those must not delay the close.
        server.closeIdleConnections();
      }),
  };
}
