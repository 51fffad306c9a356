/**
 * The trace context of the request being handled, held in an AsyncLocalStorage like the
 * deadline (deadline/deadline.ts), so the mesh client and the database can make their spans
 * children of the request's without the handler threading a context through every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanContext } from '@fusion/telemetry';

const storage = new AsyncLocalStorage<SpanContext>();

/**
 * The context of the request being handled: its server span's when the service exports spans,
 * else the caller's as it came; undefined outside a request or when the caller sent none.
 * Valid inside a route handler and everything it calls or awaits.
 */
export function currentSpanContext(): SpanContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `context` as the current one: for work that starts outside a request. */
export function runWithSpanContext<T>(context: SpanContext, fn: () => T): T {
  return storage.run(context, fn);
}
