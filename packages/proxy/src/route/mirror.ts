/**
 * Traffic mirroring (fusion.yaml `mirror`): a share of a route's requests is copied to another
 * service, and its answers are thrown away. The original is never slowed by the copy: the copy
 * leaves once the original's response head is back, nobody waits for it, and at most
 * MAX_MIRRORS_IN_FLIGHT copies are out at once (past that, a copy is skipped rather than queued
 * behind a slow mirror). A body is copied when it had arrived whole with the request, up to
 * 64 KiB (Linkerd's replay cap); a body still streaming in, or larger, is not mirrored, so the
 * original's upload is never held for the copy. The copy carries `fusion-mirrored: true`.
 */
import { Body } from '../http/body.ts';
import type { HttpHandler, ProxyRequest } from '../http/message.ts';
import { MAX_REPLAY_BYTES } from '../retry/replay.ts';
import type { OtherService } from './split.ts';

export const MIRRORED_HEADER = 'fusion-mirrored';
export const MAX_MIRRORS_IN_FLIGHT = 100;

export type MirrorOutcome =
  | 'sent'
  | 'body_streaming'
  | 'body_too_large'
  | 'too_many_in_flight'
  | 'failed';

export interface MirrorOptions {
  readonly service: string;
  readonly percentage: number;
  readonly otherService: OtherService;
  readonly onOutcome?: (outcome: MirrorOutcome) => void;
  readonly random?: () => number;
}

export function mirrorLayer(options: MirrorOptions, inner: HttpHandler): HttpHandler {
  const { percentage, onOutcome } = options;
  const random = options.random ?? Math.random;
  const mirror = options.otherService(options.service);
  let inFlight = 0;
  const send = (request: ProxyRequest, body: Buffer | undefined) => {
    if (inFlight >= MAX_MIRRORS_IN_FLIGHT) return onOutcome?.('too_many_in_flight');
    const headers = request.headers.clone().set(MIRRORED_HEADER, 'true');
    // Its own request: not the original's cancellation, tries or affinity.
    const copy: ProxyRequest = {
      method: request.method,
      authority: request.authority,
      path: request.path,
      headers,
      body: body === undefined ? null : Body.of(body),
      ctx: request.ctx,
    };
    inFlight += 1;
    onOutcome?.('sent');
    mirror(copy).then(
      (response) => {
        inFlight -= 1;
        if (response.body && !response.body.complete) {
          response.body.cancel(new Error('a mirrored response is not read'));
        }
      },
      () => {
        inFlight -= 1;
        onOutcome?.('failed');
      },
    );
  };
  const forward = (request: ProxyRequest, body: Buffer | undefined) =>
    inner(body === undefined ? request : { ...request, body: Body.of(body) }).then(
      (response) => {
        send(request, body);
        return response;
      },
      (error: unknown) => {
        send(request, body);
        throw error;
      },
    );
  return (request) => {
    if (random() * 100 >= percentage || request.upgrade !== undefined) return inner(request);
    const body = request.body;
    if (body === null) return forward(request, undefined);
    if (!body.complete) {
      onOutcome?.('body_streaming');
      return inner(request);
    }
    if (body.bytes > MAX_REPLAY_BYTES) {
      onOutcome?.('body_too_large');
      return inner(request);
    }
    // Whole already: read at once (delivered synchronously), then one copy for each side.
    return body.toBuffer().then((bytes) => forward(request, bytes));
  };
}
