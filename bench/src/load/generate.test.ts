import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closedLoop, mergeLoads, openLoop, summarizeLoad } from './generate.ts';

describe('openLoop', () => {
  it('sends rate × seconds requests and sorts answers into ok, non-2xx and errors', async () => {
    let n = 0;
    const send = async () => {
      n += 1;
      if (n % 3 === 0) throw new Error('connection refused');
      return n % 3 === 1 ? 200 : 503;
    };
    const result = await openLoop(send, { rate: 1000, seconds: 0.03 });
    assert.equal(result.sent, 30);
    assert.equal(result.ok, 10);
    assert.equal(result.non2xx, 10);
    assert.equal(result.errors, 10);
    assert.deepEqual(result.errorReasons, { 'HTTP 503': 10, 'connection refused': 10 });
    assert.equal(result.latency.count, 10);
  });

  it('counts latency from the due time, so a stall delays every request due during it', async () => {
    // Nothing answers until 100 ms after the start: the 50 requests due in the first 50 ms
    // each waited at least 50 ms, however promptly the generator sent them.
    const started = performance.now();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    setTimeout(open, 100);
    const send = async () => {
      await gate;
      return 200;
    };
    const result = await openLoop(send, { rate: 1000, seconds: 0.2 });
    assert.ok(performance.now() - started >= 100);
    const summary = summarizeLoad(result);
    assert.equal(summary.ok, 200);
    assert.ok(summary.latencyMs.max >= 99, `max ${summary.latencyMs.max}`);
    assert.ok(summary.latencyMs.p90 >= 49, `p90 ${summary.latencyMs.p90}`);
  });

  it('counts requests unanswered after the drain time as errors', async () => {
    const result = await openLoop(() => new Promise<number>(() => {}), {
      rate: 1000,
      seconds: 0.005,
      drainMs: 10,
      settleMs: 10,
    });
    assert.equal(result.sent, 5);
    assert.equal(result.errors, 5);
    assert.deepEqual(result.errorReasons, { 'no answer within the drain time': 5 });
  });
});

describe('closedLoop', () => {
  it('keeps exactly `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const send = async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return 204;
    };
    const result = await closedLoop(send, { concurrency: 4, seconds: 0.02 });
    assert.equal(most, 4);
    assert.equal(result.ok, result.sent);
    assert.equal(result.latency.count, result.ok);
  });
});

describe('mergeLoads', () => {
  it('adds counts and histograms of rounds', async () => {
    const send = async () => 200;
    const a = await openLoop(send, { rate: 1000, seconds: 0.01 });
    const b = await openLoop(send, { rate: 1000, seconds: 0.02 });
    const merged = mergeLoads([a, b]);
    assert.equal(merged.sent, 30);
    assert.equal(merged.latency.count, 30);
    assert.equal(merged.rate, 1000);
  });
});
