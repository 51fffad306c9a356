import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Http2ServerResponse } from 'node:http2';
import { describe, it } from 'node:test';
import type { DestinationUpdate } from '@fusion/mesh-types';
import { workloadIdentity } from '@fusion/pki';
import { EndpointRegistry } from './registry.ts';
import { openWatchStream } from './watch-stream.ts';

const KERNEL = workloadIdentity('ai-kernel', 'default', 'mesh.test');

/** A response whose buffer the test fills and drains by hand. */
class FakeResponse extends EventEmitter {
  readonly written: DestinationUpdate[] = [];
  full = false;
  ended = false;
  head: [number, Record<string, string>] | undefined;
  writeHead(status: number, headers: Record<string, string>) {
    this.head = [status, headers];
  }
  write(line: string): boolean {
    this.written.push(JSON.parse(line));
    return !this.full;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
}

function open(registry: EndpointRegistry) {
  const res = new FakeResponse();
  let pushed = 0;
  const closed: unknown[] = [];
  const stream = openWatchStream(
    registry,
    'ai-kernel',
    res as unknown as Http2ServerResponse,
    () => pushed++,
    (s) => closed.push(s),
  );
  return { res, stream, closed, pushed: () => pushed };
}

const register = (registry: EndpointRegistry, port: number) =>
  registry.register({
    caller: KERNEL,
    service: 'ai-kernel',
    address: `127.0.0.1:${port}`,
    instance: `i${port}`,
    labels: {},
  });

describe('openWatchStream', () => {
  it('writes the current set at once, then one line per change, as NDJSON', () => {
    const registry = new EndpointRegistry({ ttlMs: 10_000, heartbeatMs: 3_000, rebuildMs: 0 });
    const { res, pushed } = open(registry);
    assert.deepEqual(res.head, [
      200,
      { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' },
    ]);
    register(registry, 1);
    assert.deepEqual(
      res.written.map((u) => u.version),
      [0, 1],
    );
    assert.equal(pushed(), 2);
  });

  it('keeps only the newest set while the stream is full, and writes it when it drains', () => {
    const registry = new EndpointRegistry({ ttlMs: 10_000, heartbeatMs: 3_000, rebuildMs: 0 });
    const { res, pushed } = open(registry);
    res.full = true;
    register(registry, 1); // written: the stream reports full only after this write
    for (let port = 2; port <= 5; port++) register(registry, port);
    assert.equal(res.written.length, 2, 'nothing more is buffered while full');
    res.full = false;
    res.emit('drain');
    assert.equal(res.written.length, 3);
    assert.equal(res.written.at(-1)?.version, 5);
    assert.equal(res.written.at(-1)?.endpoints.length, 5, 'the newest set, whole');
    assert.equal(pushed(), 3);
  });

  it('stops watching when the client goes, and ends cleanly once at shutdown', () => {
    const registry = new EndpointRegistry({ ttlMs: 10_000, heartbeatMs: 3_000, rebuildMs: 0 });
    const gone = open(registry);
    gone.res.emit('close');
    assert.equal(gone.closed.length, 1);
    const kept = open(registry);
    assert.deepEqual(
      registry.counts().map((c) => c.watchers),
      [1],
    );
    kept.stream.end();
    kept.stream.end();
    assert.equal(kept.res.ended, true);
    register(registry, 9);
    assert.equal(kept.res.written.length, 1, 'no write after the end');
    assert.deepEqual(registry.counts(), [{ service: 'ai-kernel', endpoints: 1, watchers: 0 }]);
  });
});
