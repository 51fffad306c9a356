import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Body } from '../http/body.ts';
import { MAX_REPLAY_BYTES, ReplayableBody } from './replay.ts';

const text = (body: Body | undefined) =>
  (body as Body).toBuffer().then((bytes) => bytes.toString());

/** A body the test produces chunk by chunk, recording the producer's side of the channel. */
function produced() {
  const seen = { pulls: 0, cancelled: 0 };
  const body = new Body({
    pull: () => {
      seen.pulls += 1;
    },
    cancel: () => {
      seen.cancelled += 1;
    },
  });
  return { body, seen };
}

/** Reads `body`, keeping what arrived so far; `pause` makes onData ask to pause. */
function reading(body: Body, pause = false) {
  const got = { text: '', ended: false };
  body.read({
    onData: (chunk) => {
      got.text += chunk.toString();
      return !pause;
    },
    onEnd: () => {
      got.ended = true;
    },
    onError: (error) => assert.fail(error),
  });
  return got;
}

describe('ReplayableBody', () => {
  it('streams the first try and gives a second try the same bytes', async () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    const first = reading(replay.next() as Body);
    original.body.push(Buffer.from('hello '));
    assert.equal(first.text, 'hello ', 'streamed as it arrived, not when whole');
    original.body.push(Buffer.from('world'));
    original.body.end();
    assert.deepEqual(first, { text: 'hello world', ended: true });
    assert.equal(await text(replay.next()), 'hello world');
    assert.equal(await text(replay.next()), 'hello world');
  });

  it('reads nothing until a try reads, so a try that never sent leaves the next one all of it', async () => {
    const original = Body.of(Buffer.from('never '), Buffer.from('sent'));
    const replay = new ReplayableBody(original);
    replay.next(); // its connection failed before a byte went
    assert.equal(original.taken, false);
    assert.equal(await text(replay.next()), 'never sent');
  });

  it('sends a body over the cap once, whole, and then has none for a retry', async () => {
    const big = Buffer.alloc(MAX_REPLAY_BYTES + 1, 'x');
    const replay = new ReplayableBody(Body.of(big.subarray(0, 40_000), big.subarray(40_000)));
    assert.ok((await (replay.next() as Body).toBuffer()).equals(big));
    assert.equal(replay.replayable, false);
    assert.equal(replay.next(), undefined);
  });

  it('keeps reading into the copy after a try cancels its body midway', async () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    const first = replay.next() as Body;
    const got = reading(first);
    original.body.push(Buffer.from('one '));
    first.cancel(new Error('connection reset'));
    original.body.push(Buffer.from('two '));
    original.body.push(Buffer.from('three'));
    original.body.end();
    assert.equal(got.text, 'one ', 'the cancelled try gets no more');
    assert.equal(original.seen.cancelled, 0, 'the original is not given up');
    assert.equal(await text(replay.next()), 'one two three');
  });

  it('keeps reading after a try that was holding the original back cancels', async () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    const first = replay.next() as Body;
    reading(first, true); // its socket is full after the first chunk
    assert.equal(original.body.push(Buffer.from('one ')), false);
    first.cancel(new Error('connection reset'));
    original.body.push(Buffer.from('two'));
    original.body.end();
    assert.equal(await text(replay.next()), 'one two');
  });

  it('keeps reading after a try that was holding the original back is abandoned', async () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    reading(replay.next() as Body, true); // its connection died with its socket full
    assert.equal(original.body.push(Buffer.from('one ')), false);
    original.body.push(Buffer.from('two'));
    original.body.end();
    assert.equal(await text(replay.next()), 'one two');
  });

  it('passes backpressure through: a paused try pauses the original, and resuming pulls it', () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    const first = replay.next() as Body;
    const got = reading(first, true);
    assert.equal(original.body.push(Buffer.from('a')), false, 'the producer is told to stop');
    assert.equal(original.seen.pulls, 0);
    first.resume();
    assert.equal(original.seen.pulls, 1, 'the producer is asked for more');
    original.body.push(Buffer.from('b'));
    assert.equal(got.text, 'ab');
  });

  it('fails the try and gives up replaying when the original fails', async () => {
    const original = produced();
    const replay = new ReplayableBody(original.body);
    const first = replay.next() as Body;
    const failed = first.toBuffer();
    original.body.push(Buffer.from('half'));
    original.body.fail(new Error('client went away'));
    await assert.rejects(failed, /client went away/);
    assert.equal(replay.next(), undefined);
  });
});
