import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Body, type BodyReader } from './body.ts';

/** A reader that records what it is told; `pauseAfter` chunks, it returns false once. */
function recorder(pauseAfter = Number.POSITIVE_INFINITY) {
  const seen: string[] = [];
  let ended = false;
  let error: Error | undefined;
  const reader: BodyReader = {
    onData: (chunk) => {
      seen.push(chunk.toString());
      return seen.length !== pauseAfter;
    },
    onEnd: () => {
      ended = true;
    },
    onError: (e) => {
      error = e;
    },
  };
  return {
    reader,
    seen,
    get ended() {
      return ended;
    },
    get error() {
      return error;
    },
  };
}

describe('Body', () => {
  it('delivers a body that is all here synchronously, end included', () => {
    const body = Body.of(Buffer.from('ab'), Buffer.from('c'));
    assert.equal(body.complete, true);
    assert.equal(body.bytes, 3);
    const r = recorder();
    body.read(r.reader);
    assert.deepEqual(r.seen, ['ab', 'c']);
    assert.equal(r.ended, true);
    assert.throws(() => body.read(recorder().reader), /read once/);
  });

  it('says stop at the high-water mark before it is read, and asks for more once drained', () => {
    let pulls = 0;
    const body = new Body({ pull: () => pulls++ }, 4);
    assert.equal(body.push(Buffer.from('ab')), true);
    assert.equal(body.push(Buffer.from('cd')), false, '4 bytes unread');
    const r = recorder();
    body.read(r.reader);
    assert.deepEqual(r.seen, ['ab', 'cd']);
    assert.equal(pulls, 1);
    assert.equal(body.push(Buffer.from('e')), true, 'straight to the reader');
    body.end();
    assert.deepEqual(r.seen, ['ab', 'cd', 'e']);
    assert.equal(r.ended, true);
  });

  it('pauses when the reader says so, and resumes where it stopped', () => {
    let pulls = 0;
    const body = new Body({ pull: () => pulls++ });
    const r = recorder(1);
    body.read(r.reader);
    assert.equal(body.push(Buffer.from('a')), false, 'the reader paused on it');
    assert.equal(body.push(Buffer.from('b')), false);
    body.end();
    assert.deepEqual(r.seen, ['a']);
    assert.equal(r.ended, false, 'the end waits behind the unread chunk');
    body.resume();
    assert.deepEqual(r.seen, ['a', 'b']);
    assert.equal(r.ended, true);
    assert.equal(pulls, 0, 'ended: nothing more to pull');
  });

  it('hands a failure to the reader and drops what was buffered; a whole body cannot fail', () => {
    const failing = new Body();
    failing.push(Buffer.from('lost'));
    failing.fail(new Error('reset'));
    assert.equal(failing.complete, false);
    const r = recorder();
    failing.read(r.reader);
    assert.deepEqual(r.seen, []);
    assert.equal(r.error?.message, 'reset');

    const whole = Body.of(Buffer.from('x'));
    whole.fail(new Error('too late'));
    const w = recorder();
    whole.read(w.reader);
    assert.deepEqual([w.seen, w.ended, w.error], [['x'], true, undefined]);
  });

  it('tells the producer when the reader cancels, and refuses what is pushed after', () => {
    let cancelled: Error | undefined;
    const body = new Body({ cancel: (e) => (cancelled = e) });
    body.read(recorder().reader);
    body.cancel(new Error('client went away'));
    assert.equal(cancelled?.message, 'client went away');
    assert.equal(body.push(Buffer.from('x')), false);
  });

  it('streams 10 MiB from a Readable to a Readable with at most one high-water mark held', async () => {
    const size = 10 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let produced = 0;
    const source = new Readable({
      read() {
        if (produced >= size) return void this.push(null);
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const body = Body.fromReadable(source);
    const out = body.toReadable();
    let received = 0;
    let maxAhead = 0;
    for await (const part of out) {
      received += (part as Buffer).length;
      maxAhead = Math.max(maxAhead, produced - received);
    }
    assert.equal(received, size);
    assert.equal(body.bytes, size);
    // What the two streams and the body may hold between them, never the whole body.
    assert.ok(maxAhead <= 512 * 1024, `${maxAhead} bytes ahead of the reader`);
  });

  describe('peek', () => {
    /** Whether `promise` has settled after the microtasks queued so far. */
    const settledNow = async (promise: Promise<void>) => {
      let settled = false;
      void promise.then(() => {
        settled = true;
      });
      await new Promise(setImmediate);
      return settled;
    };

    it('waits for the first chunk without taking it, and the reader still gets everything', async () => {
      const body = new Body();
      const first = body.peek();
      const second = body.peek();
      assert.equal(await settledNow(first), false);
      body.push(Buffer.from('a'));
      assert.equal(await settledNow(first), true);
      assert.equal(await settledNow(second), true, 'every peeker is told');
      assert.equal(body.taken, false);
      body.push(Buffer.from('b'));
      body.end();
      assert.equal((await body.toBuffer()).toString(), 'ab');
    });

    it('resolves at the end of an empty body, on a failure, on a cancel, and at once when there is something', async () => {
      const empty = new Body();
      const atEnd = empty.peek();
      empty.end();
      assert.equal(await settledNow(atEnd), true);
      assert.equal(empty.ended && empty.complete, true);
      const failing = new Body();
      const atFailure = failing.peek();
      failing.fail(new Error('reset'));
      assert.equal(await settledNow(atFailure), true);
      assert.equal(failing.ended && !failing.complete, true);
      const cancelled = new Body();
      const atCancel = cancelled.peek();
      cancelled.cancel(new Error('gone'));
      assert.equal(await settledNow(atCancel), true);
      assert.equal(await settledNow(Body.of(Buffer.from('x')).peek()), true);
    });
  });
});
