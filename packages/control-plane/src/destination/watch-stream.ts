/**
 * One open watch — a Get of a service's endpoints, or a Watch of a proxy's policy: the current
 * value as the first line, then a line after every change, written in the call that made the
 * change so it reaches the socket at once. A watcher that reads slower than changes come is not
 * buffered without bound: while its stream is full only the newest line is kept, and written
 * when it drains — every line is a whole value, so skipping the ones in between loses nothing.
 */
import type { Http2ServerResponse } from 'node:http2';
import { NDJSON_CONTENT_TYPE } from '@fusion/mesh-types';
import type { EndpointRegistry } from './registry.ts';

/** Calls `push` with the current value now, then after every change; returns unsubscribe. */
export type Subscribe<T extends object> = (push: (update: T) => void) => () => void;

/** Every watcher of a value gets the same update object: serialise it once, not per stream. */
const lines = new WeakMap<object, string>();

function lineOf(update: object): string {
  let line = lines.get(update);
  if (line === undefined) {
    line = `${JSON.stringify(update)}\n`;
    lines.set(update, line);
  }
  return line;
}

export interface WatchStream {
  /** Ends the response cleanly (server shutdown): the client reconnects elsewhere or later. */
  end(): void;
}

/** The Get stream of `service`'s endpoint sets. */
export function openWatchStream(
  registry: EndpointRegistry,
  service: string,
  res: Http2ServerResponse,
  onPushed: () => void,
  onClosed: (stream: WatchStream) => void,
): WatchStream {
  return openPushStream(res, (push) => registry.watch(service, push), onPushed, onClosed);
}

export function openPushStream<T extends object>(
  res: Http2ServerResponse,
  subscribe: Subscribe<T>,
  onPushed: () => void,
  onClosed: (stream: WatchStream) => void,
): WatchStream {
  res.writeHead(200, { 'content-type': NDJSON_CONTENT_TYPE, 'cache-control': 'no-store' });
  let full = false;
  let newest: string | undefined;
  let closed = false;
  const write = (line: string) => {
    onPushed();
    full = !res.write(line);
  };
  const push = (update: T) => {
    if (closed) return;
    const line = lineOf(update);
    if (full) newest = line;
    else write(line);
  };
  res.on('drain', () => {
    full = false;
    if (newest === undefined || closed) return;
    const line = newest;
    newest = undefined;
    write(line);
  });
  const unwatch = subscribe(push);
  const stop = () => {
    if (closed) return false;
    closed = true;
    unwatch();
    return true;
  };
  const stream: WatchStream = {
    end: () => {
      if (stop()) res.end();
    },
  };
  res.once('close', () => {
    stop();
    onClosed(stream);
  });
  return stream;
}
