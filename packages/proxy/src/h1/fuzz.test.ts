/**
 * Random and mutated bytes through RequestParser and ResponseParser: neither ever throws, every
 * error is an H1ParseError with a documented status, a dead parser stays dead, the work is one
 * pass over the input (no byte copied twice, no more events than bytes), and what a parser holds
 * is bounded by its limits, never by what a peer sends.
 *
 * `npm test` runs 100,000 inputs. A longer run, e.g. a million:
 *   FUSION_FUZZ_ITERATIONS=1000000 node scripts/run-tests.mjs packages/proxy/src/h1/fuzz.test.ts
 * FUSION_FUZZ_SEED picks another sequence; a failure prints the seed and the input to replay it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { H1ParseError } from './errors.ts';
import { DEFAULT_H1_LIMITS } from './limits.ts';
import { type ParserEvents, RequestParser, ResponseParser } from './parser.ts';
import { pipelinedRequests, smugglingCorpus } from './testing/smuggling-corpus.ts';

const ITERATIONS = Number(process.env.FUSION_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FUSION_FUZZ_SEED ?? 0x9e3779b9);

/** Statuses a parse error may carry: a server's answers, and 502 for a bad response. */
const REQUEST_STATUSES = new Set([400, 411, 413, 414, 431, 501, 505]);
const RESPONSE_STATUSES = new Set([...REQUEST_STATUSES, 502]);

/** xorshift32: deterministic, so a failure replays from its seed. */
function random(seed: number): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}

const latin1 = (text: string) => Buffer.from(text, 'latin1');

const VALID_REQUESTS = [
  'GET / HTTP/1.1\r\nHost: app\r\n\r\n',
  'POST /u?x=1 HTTP/1.1\r\nHost: app:80\r\nContent-Length: 5\r\nX-A:  b c \r\n\r\nhello',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;n=v;q="x y"\r\nhello\r\n6\r\n world\r\n0\r\ngrpc-status: 0\r\n\r\n',
  'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx',
  'GET http://app:8080/p HTTP/1.1\r\nHost: app:8080\r\nConnection: close\r\n\r\ntrailing',
  ...pipelinedRequests.map((p) => p.raw),
];

const VALID_RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-t: 1\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00',
  'HTTP/1.0 200 OK\r\n\r\nuntil the connection closes',
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200\r\nContent-Length: 0\r\n\r\n',
];

// The corpus's limit entries (8 KiB and more) are left out: each mutation copies its seed, and
// the limits have their own tests below.
const REQUEST_SEEDS = [...VALID_REQUESTS, ...smugglingCorpus.map((e) => e.raw)]
  .filter((raw) => raw.length <= 2048)
  .map(latin1);
const RESPONSE_SEEDS = VALID_RESPONSES.map(latin1);

/** Bytes that matter to a parser, inserted more often than chance would. */
const SPECIAL = [0x0d, 0x0a, 0x00, 0x20, 0x09, 0x3a, 0x3b, 0x22, 0x2c, 0x30, 0x7f, 0xff];

function mutate(seed: Buffer, next: (below: number) => number, seeds: Buffer[]): Buffer {
  let bytes = Buffer.from(seed);
  const rounds = 1 + next(4);
  for (let round = 0; round < rounds; round++) {
    const at = next(bytes.length + 1);
    switch (next(7)) {
      case 0: // flip a bit
        if (bytes.length > 0) bytes[at % bytes.length]! ^= 1 << next(8);
        break;
      case 1: // insert CR, LF, NUL, SP... or any byte
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.of(next(2) ? (SPECIAL[next(SPECIAL.length)] as number) : next(256)),
          bytes.subarray(at),
        ]);
        break;
      case 2: // delete a range
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + next(8))]);
        break;
      case 3: // truncate
        bytes = bytes.subarray(0, at);
        break;
      case 4: {
        // duplicate a range (a field, a CRLF, a chunk line twice)
        const length = 1 + next(32);
        bytes = Buffer.concat([
          bytes.subarray(0, at + length),
          bytes.subarray(at, at + length),
          bytes.subarray(at + length),
        ]);
        break;
      }
      case 5: {
        // splice in a piece of another seed
        const other = seeds[next(seeds.length)] as Buffer;
        const from = next(other.length);
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          other.subarray(from, from + 1 + next(40)),
          bytes.subarray(at),
        ]);
        break;
      }
      default: // replace a byte with a special one
        if (bytes.length > 0) bytes[at % bytes.length] = SPECIAL[next(SPECIAL.length)] as number;
    }
  }
  return bytes;
}

function randomBytes(next: (below: number) => number): Buffer {
  const bytes = Buffer.alloc(next(300));
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = next(4) === 0 ? (SPECIAL[next(SPECIAL.length)] as number) : next(256);
  return bytes;
}

/** Counts the bytes Buffer.concat copies while `run` runs: the parser's only copying. */
function countingCopies<T>(run: () => T): { result: T; copied: number } {
  const original = Buffer.concat;
  let copied = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
    const result = original(list, total);
    copied += result.length;
    return result;
  }) as typeof Buffer.concat;
  try {
    return { result: run(), copied };
  } finally {
    Buffer.concat = original;
  }
}

interface Counts {
  heads: number;
  bodyBytes: number;
  events: number;
}

function counting(counts: Counts): ParserEvents<unknown> {
  return {
    onHead: () => {
      counts.heads++;
      counts.events++;
    },
    onBody: (chunk) => {
      counts.bodyBytes += chunk.length;
      counts.events++;
    },
    onTrailers: () => counts.events++,
    onEnd: () => counts.events++,
  };
}

/** One input through a fresh parser in random pieces; every property a parse must keep. */
function check(input: Buffer, kind: 'request' | 'response', next: (below: number) => number): void {
  const counts: Counts = { heads: 0, bodyBytes: 0, events: 0 };
  const parser =
    kind === 'request' ? new RequestParser(counting(counts)) : new ResponseParser(counting(counts));
  if (parser instanceof ResponseParser) {
    for (let i = next(4); i > 0; i--) parser.expect(['GET', 'HEAD', 'POST'][next(3)] as string);
  }
  const statuses = kind === 'request' ? REQUEST_STATUSES : RESPONSE_STATUSES;
  const { copied } = countingCopies(() => {
    let error: unknown;
    let from = 0;
    const pieces = next(5);
    for (let piece = 0; piece <= pieces && from < input.length; piece++) {
      const to = piece === pieces ? input.length : from + 1 + next(input.length - from);
      error = parser.push(input.subarray(from, to));
      from = to;
      if (error) break;
    }
    if (error) {
      // A dead parser stays dead: nothing more is parsed, and it says nothing more.
      assert.equal(parser.push(input), undefined);
    } else {
      error = parser.finish();
    }
    if (error !== undefined) {
      assert.ok(error instanceof H1ParseError, `not an H1ParseError: ${String(error)}`);
      assert.ok(statuses.has(error.status), `status ${error.status} for ${error.code}`);
    }
    parser.takeRest();
  });
  // One pass: a byte is copied at most once (a line split across reads), and every event
  // consumed bytes of its own.
  assert.ok(copied <= input.length, `copied ${copied} bytes of ${input.length}`);
  assert.ok(counts.bodyBytes <= input.length);
  assert.ok(
    counts.events <= input.length + 1,
    `${counts.events} events from ${input.length} bytes`,
  );
}

function fuzz(kind: 'request' | 'response', iterations: number, seed: number): number {
  const next = random(seed);
  const seeds = kind === 'request' ? REQUEST_SEEDS : RESPONSE_SEEDS;
  let checked = 0;
  for (let i = 0; i < iterations; i++) {
    const input =
      next(10) === 0 ? randomBytes(next) : mutate(seeds[next(seeds.length)] as Buffer, next, seeds);
    try {
      check(input, kind, next);
    } catch (error) {
      const detail = `${kind} input ${i} (FUSION_FUZZ_SEED=${seed}): ${JSON.stringify(input.toString('latin1'))}`;
      throw new Error(`${detail}\n${(error as Error).stack}`);
    }
    checked++;
  }
  return checked;
}

const silent: ParserEvents<unknown> = { onHead() {}, onBody() {}, onTrailers() {}, onEnd() {} };
const MEBIBYTE = 1024 * 1024;

describe('H1 parser fuzzing', () => {
  // A hang fails here rather than stalling the run; the assertions themselves count, not time.
  it(`never throws on ${ITERATIONS} mutated and random requests, and errors are documented`, {
    timeout: 600_000,
  }, () => {
    assert.equal(fuzz('request', ITERATIONS, SEED), ITERATIONS);
  });

  const responses = Math.ceil(ITERATIONS / 4);
  it(`never throws on ${responses} mutated and random responses`, { timeout: 600_000 }, () => {
    assert.equal(fuzz('response', responses, SEED + 1), responses);
  });

  it('keeps nothing of 10 MiB sent after a Connection: close request', () => {
    const parser = new RequestParser(silent);
    assert.equal(
      parser.push(latin1('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')),
      undefined,
    );
    const garbage = Buffer.alloc(64 * 1024, 'GET / HTTP/1.1\r\n');
    for (let sent = 0; sent < 10 * MEBIBYTE; sent += garbage.length)
      assert.equal(parser.push(garbage), undefined);
    assert.deepEqual(
      parser.takeRest(),
      [],
      'the bytes after the last request are dropped, not held',
    );
  });

  it('keeps nothing of 10 MiB sent after a refused request', () => {
    const parser = new RequestParser(silent);
    assert.equal(
      parser.push(latin1('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'))?.code,
      'SEVERAL_HOSTS',
    );
    const garbage = Buffer.alloc(64 * 1024, 'x');
    for (let sent = 0; sent < 10 * MEBIBYTE; sent += garbage.length)
      assert.equal(parser.push(garbage), undefined);
    assert.deepEqual(parser.takeRest(), []);
  });

  it('holds at most the limit of a line that never ends, pushed a byte at a time', () => {
    // The refusal comes at the first byte past the limit: what is held never exceeds it.
    const startLine = new RequestParser(silent);
    const line = latin1(`GET /${'a'.repeat(DEFAULT_H1_LIMITS.maxStartLineBytes * 2)}`);
    let refusedAt = -1;
    for (let i = 0; i < line.length && refusedAt < 0; i++) {
      if (startLine.push(line.subarray(i, i + 1))) refusedAt = i + 1;
    }
    assert.equal(refusedAt, DEFAULT_H1_LIMITS.maxStartLineBytes + 1);

    const fields = new RequestParser(silent);
    assert.equal(fields.push(latin1('GET / HTTP/1.1\r\nHost: a\r\nX: ')), undefined);
    const filler = Buffer.alloc(1024, 'v');
    let sent = 'Host: a\r\nX: '.length;
    let error: H1ParseError | undefined;
    while (!error) {
      error = fields.push(filler);
      sent += filler.length;
    }
    assert.equal(error.status, 431);
    assert.ok(
      sent <= DEFAULT_H1_LIMITS.maxHeaderBytes + filler.length,
      `refused only after ${sent} bytes`,
    );
  });

  it('parses a 60 KiB head pushed a byte at a time, copying each byte once, and then holds nothing', () => {
    const fields = Array.from({ length: 62 }, (_, i) => `x-f${i}: ${'v'.repeat(1000)}\r\n`).join(
      '',
    );
    const head = latin1(`GET / HTTP/1.1\r\nHost: a\r\n${fields}\r\n`);
    assert.ok(head.length > 60 * 1024 && head.length < DEFAULT_H1_LIMITS.maxHeaderBytes);
    let heads = 0;
    const parser = new RequestParser({ ...silent, onHead: () => heads++ });
    const { copied } = countingCopies(() => {
      for (let i = 0; i < head.length; i++)
        assert.equal(parser.push(head.subarray(i, i + 1)), undefined);
    });
    assert.equal(heads, 1);
    assert.ok(copied <= head.length, `copied ${copied} of ${head.length}`);
    assert.equal(parser.idle, true, 'no piece of the head is kept after it');
  });

  it('hands a 10 MiB chunked body on as slices of the reads, copying none of it', () => {
    let bodyBytes = 0;
    let ends = 0;
    const parser = new RequestParser({
      ...silent,
      onBody: (c) => (bodyBytes += c.length),
      onEnd: () => ends++,
    });
    assert.equal(
      parser.push(latin1('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n')),
      undefined,
    );
    const chunk = Buffer.concat([latin1('4000\r\n'), Buffer.alloc(0x4000, 'b'), latin1('\r\n')]);
    const { copied } = countingCopies(() => {
      for (let sent = 0; sent < 10 * MEBIBYTE; sent += 0x4000)
        assert.equal(parser.push(chunk), undefined);
      assert.equal(parser.push(latin1('0\r\n\r\n')), undefined);
    });
    assert.equal(bodyBytes, 10 * MEBIBYTE);
    assert.equal(ends, 1);
    assert.equal(copied, 0);
    assert.equal(parser.idle, true);
  });
});
