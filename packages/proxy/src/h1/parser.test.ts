import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { H1ParseError } from './errors.ts';
import {
  type ParserEvents,
  type RequestHead,
  RequestParser,
  type ResponseHead,
  ResponseParser,
} from './parser.ts';

interface Parsed<Head> {
  heads: Head[];
  bodies: string[];
  trailers: string[][];
  ends: number;
  error: H1ParseError | undefined;
}

function collect<Head>(
  make: (events: ParserEvents<Head>) => {
    push(b: Buffer): H1ParseError | undefined;
    finish(): H1ParseError | undefined;
  },
  input: string,
  split = 0,
): Parsed<Head> {
  const out: Parsed<Head> = { heads: [], bodies: [], trailers: [], ends: 0, error: undefined };
  const parser = make({
    onHead: (head) => {
      out.heads.push(head as Head);
      out.bodies.push('');
    },
    onBody: (chunk) => {
      out.bodies[out.bodies.length - 1] += chunk.toString('latin1');
    },
    onTrailers: (fields) => out.trailers.push(fields),
    onEnd: () => out.ends++,
  });
  const bytes = Buffer.from(input, 'latin1');
  const step = split || bytes.length;
  for (let i = 0; i < bytes.length && !out.error; i += step) {
    out.error = parser.push(bytes.subarray(i, i + step));
  }
  out.error ??= parser.finish();
  return out;
}

const requests = (input: string, split = 0) =>
  collect<RequestHead>((events) => new RequestParser(events), input, split);

describe('RequestParser', () => {
  it('parses a request with a Content-Length body, split at every byte', () => {
    const input =
      'POST /users?x=1 HTTP/1.1\r\nHost: identity\r\nContent-Length: 5\r\nX-A:  b c \r\n\r\nhello';
    for (const split of [0, 1, 2, 3, 7]) {
      const out = requests(input, split);
      assert.equal(out.error, undefined);
      assert.equal(out.heads.length, 1);
      const head = out.heads[0] as RequestHead;
      assert.equal(head.method, 'POST');
      assert.equal(head.target, '/users?x=1');
      assert.deepEqual(head.fields, ['host', 'identity', 'content-length', '5', 'x-a', 'b c']);
      assert.equal(out.bodies[0], 'hello');
      assert.equal(out.ends, 1);
    }
  });

  it('decodes chunked bodies with extensions and trailers, dropping framing trailers', () => {
    const input =
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value;q="x y"\r\nhello\r\n6\r\n world\r\n0\r\ngrpc-status: 0\r\ncontent-length: 3\r\n\r\n';
    for (const split of [0, 1, 5]) {
      const out = requests(input, split);
      assert.equal(out.error, undefined);
      assert.equal(out.bodies[0], 'hello world');
      assert.deepEqual(out.trailers, [['grpc-status', '0']]);
      assert.equal(out.ends, 1);
    }
  });

  it('parses pipelined requests in order and ignores one empty line between them', () => {
    const out = requests(
      'GET /a HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.equal(out.error, undefined);
    assert.deepEqual(
      out.heads.map((h) => h.target),
      ['/a', '/b'],
    );
    assert.equal(out.ends, 2);
  });

  it("stops after Connection: close and keeps an upgrade's first bytes", () => {
    const closed = requests(
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /x HTTP/1.1\r\n\r\n',
    );
    assert.equal(closed.heads.length, 1);
    assert.equal(closed.heads[0]?.framing.keepAlive, false);
    const parser = new RequestParser({ onHead() {}, onBody() {}, onTrailers() {}, onEnd() {} });
    parser.push(
      Buffer.from(
        'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nframe',
      ),
    );
    assert.equal(Buffer.concat(parser.takeRest()).toString(), 'frame');
  });

  // Each refusal names the rule it enforces: see errors.ts and the clauses in the parser.
  const refused: [string, string, number, string][] = [
    [
      'CL and TE (RFC 9112 §6.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      'CONTENT_LENGTH_WITH_TRANSFER_ENCODING',
    ],
    [
      'two CLs (RFC 9112 §6.3)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
      400,
      'SEVERAL_CONTENT_LENGTHS',
    ],
    [
      'CL list (RFC 9110 §8.6)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc',
      400,
      'BAD_CONTENT_LENGTH',
    ],
    [
      'signed CL (RFC 9110 §8.6)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc',
      400,
      'BAD_CONTENT_LENGTH',
    ],
    [
      'TE not chunked (RFC 9112 §6.3)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n',
      400,
      'TRANSFER_ENCODING_NOT_CHUNKED',
    ],
    [
      'gzip before chunked (RFC 9112 §6.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      501,
      'UNKNOWN_TRANSFER_CODING',
    ],
    [
      'TE in 1.0 (RFC 9112 §6.1)',
      'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
      'TRANSFER_ENCODING_IN_HTTP_1_0',
    ],
    [
      'obs-fold (RFC 9112 §5.2)',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n',
      400,
      'OBS_FOLD',
    ],
    [
      'space before colon (RFC 9112 §5.1)',
      'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
      400,
      'SPACE_BEFORE_COLON',
    ],
    ['bare LF (RFC 9112 §2.2)', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400, 'BARE_LF'],
    ['bare CR (RFC 9112 §2.2)', 'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n', 400, 'BARE_CR'],
    [
      'NUL in value (RFC 9110 §5.5)',
      'GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n',
      400,
      'BAD_FIELD_VALUE',
    ],
    ['no Host (RFC 9112 §3.2)', 'GET / HTTP/1.1\r\n\r\n', 400, 'NO_HOST'],
    [
      'two Hosts (RFC 9112 §3.2)',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      400,
      'SEVERAL_HOSTS',
    ],
    // Was reported as a bare CR: the check read the line's own CR, just past its end.
    ['HTTP/0.9 request line, no version (RFC 9112 §3)', 'GET /\r\n\r\n', 400, 'BAD_REQUEST_LINE'],
    ['HTTP/1.2 (RFC 9112 §2.3)', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n', 505, 'UNSUPPORTED_VERSION'],
    [
      'bad chunk size (RFC 9112 §7.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
      'BAD_CHUNK_SIZE',
    ],
    [
      'chunk end (RFC 9112 §7.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n',
      400,
      'BAD_CHUNK_END',
    ],
    [
      'huge chunk (RFC 9112 §7.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n',
      400,
      'CHUNK_TOO_LARGE',
    ],
    [
      'CONNECT (RFC 9110 §9.3.6)',
      'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
      501,
      'UNSUPPORTED_METHOD',
    ],
  ];
  for (const [name, input, status, code] of refused) {
    it(`refuses ${name} with ${status} ${code}`, () => {
      const out = requests(input);
      assert.equal(out.error?.code, code, out.error?.message);
      assert.equal(out.error?.status, status);
      // Head errors come before any event; body framing errors after the head, never its end:
      // a streamed body is cut, so what reaches an app is never a complete request.
      if (code.includes('CHUNK')) assert.equal(out.ends, 0, 'a refused body never ends');
      else assert.equal(out.heads.length, 0, 'no head of a refused request reaches the caller');
    });
  }

  it('bounds the request line (414), the header section (431) and the field count (431)', () => {
    assert.equal(requests(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`, 100).error?.status, 414);
    assert.equal(requests(`GET / HTTP/1.1\r\nX: ${'a'.repeat(70_000)}`, 1000).error?.status, 431);
    const many = Array.from({ length: 101 }, (_, i) => `x${i}: y\r\n`).join('');
    assert.equal(
      requests(`GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`).error?.code,
      'TOO_MANY_FIELDS',
    );
  });

  it('reports a connection that ends inside a message', () => {
    assert.equal(
      requests('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nabc').error?.code,
      'INCOMPLETE_MESSAGE',
    );
  });
});

describe('ResponseParser', () => {
  const responses = (methods: string[], input: string, split = 0) =>
    collect<ResponseHead>(
      (events) => {
        const parser = new ResponseParser(events);
        for (const method of methods) parser.expect(method);
        return parser;
      },
      input,
      split,
    );

  it('reads no body after HEAD, 204 and 304, and skips interim responses', () => {
    const out = responses(
      ['HEAD', 'GET', 'GET'],
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n' +
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    assert.equal(out.error, undefined);
    assert.deepEqual(
      out.heads.map((h) => h.status),
      [200, 204, 200],
    );
    assert.deepEqual(out.bodies, ['', '', 'ok']);
    assert.equal(out.ends, 3);
  });

  it('reads a body without framing until the connection closes', () => {
    const out = responses(['GET'], 'HTTP/1.1 200 OK\r\n\r\nall of it', 3);
    assert.equal(out.error, undefined);
    assert.equal(out.bodies[0], 'all of it');
    assert.equal(out.ends, 1);
    assert.equal(out.heads[0]?.framing.keepAlive, false);
  });

  it('accepts a status line without a reason phrase', () => {
    const out = responses(['GET'], 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n');
    assert.equal(out.error, undefined);
    assert.equal(out.heads[0]?.reason, '');
  });
});
