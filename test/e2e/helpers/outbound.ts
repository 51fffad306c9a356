/**
 * Calling through a sidecar's outbound port as its app would: origin-form path, the called
 * service in `Host`. `fetch` cannot set `Host`, so this uses node:http, with connections kept
 * alive as the service kit's mesh client keeps them, and hands back a web Response (its body
 * read whole) so the load helpers take either.
 */
import http from 'node:http';

export interface SidecarCaller {
  /** Sends `GET path` to `authority` through the sidecar, with `headers` added. */
  get(
    authority: string,
    path: string,
    headers?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Response>;
  close(): void;
}

/** `outbound` is the sidecar's outbound address, `host:port` as `fusion status` lists it. */
export function sidecarCaller(outbound: string): SidecarCaller {
  const [hostname, port] = outbound.split(':') as [string, string];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return {
    get: (authority, path, headers = {}, signal) =>
      new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            hostname,
            port: Number(port),
            path,
            headers: { ...headers, host: authority },
            ...(signal && { signal }),
          },
          (incoming) => {
            const chunks: Buffer[] = [];
            incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
            incoming.on('error', reject);
            incoming.on('end', () => {
              const headers = new Headers();
              const raw = incoming.rawHeaders;
              for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
              const status = incoming.statusCode ?? 0;
              const bodiless = status === 204 || status === 205 || status === 304;
              resolve(new Response(bodiless ? null : Buffer.concat(chunks), { status, headers }));
            });
          },
        );
        request.on('error', reject);
        request.end();
      }),
    close: () => agent.destroy(),
  };
}
