/** Small pieces for layer tests and assertions: stub requests and handlers, samples, latches. */
import type { Registry } from '@fusion/telemetry';
import { HeaderList } from '../../http/headers.ts';
import type { HttpHandler, ProxyRequest, RequestContext } from '../../http/message.ts';
import { emptyResponse } from '../../http/message.ts';

export { latch } from '../../testing/streams.ts';

/** The value of one sample in a registry's exposition, or undefined when absent. */
export function sample(registry: Registry, series: string): number | undefined {
  const line = registry
    .expose()
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A request as the server adapter would make it, for layer tests against a stub handler. */
export function fakeRequest(
  headers: Record<string, string> = {},
  ctx: Partial<RequestContext> = {},
): ProxyRequest {
  return {
    method: 'GET',
    authority: 'ai-kernel:8001',
    path: '/',
    headers: HeaderList.from(headers),
    body: null,
    ctx: { startedAt: 0n, clientId: undefined, tls: false, originalVersion: 'HTTP/2', ...ctx },
  };
}

/** An inner handler that records the requests it gets and answers 200. */
export function recordingHandler(): { handler: HttpHandler; received: ProxyRequest[] } {
  const received: ProxyRequest[] = [];
  return {
    received,
    handler: async (request) => {
      received.push(request);
      return emptyResponse(200);
    },
  };
}
