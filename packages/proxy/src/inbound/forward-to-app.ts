/**
 * The innermost handler: sends each request to the local app and hands back its response as a
 * stream, speaking the app's protocol. HTTP/1.1 callers (restored by orig-proto) always reach
 * the app as HTTP/1.1; HTTP/2 callers (gRPC) reach it as HTTP/2 only when it speaks h2c.
 * Connections are pooled and kept alive; bodies are piped, never buffered.
 */
import { newH2cApp } from './app-h2c.ts';
import { newHttp1App } from './app-http1.ts';
import type { AppClient, AppEndpoint } from './app-streams.ts';

export type AppProtocol = 'http1' | 'h2c';

export function newForwardToApp(endpoint: AppEndpoint, protocol: AppProtocol): AppClient {
  const http1 = newHttp1App(endpoint);
  if (protocol === 'http1') return http1;
  const h2c = newH2cApp(endpoint);
  return {
    handler: (request) =>
      request.ctx.originalVersion === 'HTTP/2' ? h2c.handler(request) : http1.handler(request),
    close: () => {
      http1.close();
      h2c.close();
    },
  };
}
