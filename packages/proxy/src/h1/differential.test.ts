/**
 * Our parser against Node's own llhttp, on generated requests and on the smuggling corpus: both
 * must agree on accept/reject and, when they accept, on method, target, version, fields, body,
 * trailers and the bytes left after an upgrade. Where we differ on purpose, the difference is in
 * DISAGREEMENTS below with its RFC clause, and a test proves each one still happens.
 *
 * The oracle is llhttp through `require('node:_http_common').HTTPParser`, the parser node:http
 * itself drives, with no lenient flags (node:http's default) and node's default header limit.
 * On Node 20 it loads without a warning. Node 22.19+ and 24 list `node:_http_*` as deprecated
 * (DEP0199) in the documentation only: no runtime warning, the module and HTTPParser are still
 * there. Should a later Node remove it, the fallback is an `http.createServer` on 127.0.0.1 fed
 * on raw sockets (much slower); the test fails loudly rather than skip, so that is noticed.
 *
 * The generated share of `npm test` is a few hundred cases (FUSION_DIFF_RUNS raises it).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RequestParser } from './parser.ts';
import { smugglingCorpus } from './testing/smuggling-corpus.ts';

// ---------------------------------------------------------------------------------------------
// The two parsers, run to one comparable outcome.

interface Message {
  method: string;
  target: string;
  minor: number;
  /** Flat name/value pairs, names lower case (node keeps the sender's case). */
  fields: string[];
  body: string;
  trailers: string[];
}

interface Outcome {
  rejected: boolean;
  /** Our H1ErrorCode, or llhttp's HPE_* code. */
  code: string | undefined;
  /** Messages that ended, in order. */
  messages: Message[];
  /** Bytes after an upgrade's head (latin1). */
  rest: string;
}

interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | (Error & { code: string });
  finish(): undefined | (Error & { code: string });
  close(): void;
  [callback: number]: (...args: never[]) => void;
}
interface LlhttpModule {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
  };
  methods: string[];
}
const { HTTPParser, methods: LLHTTP_METHODS } = createRequire(import.meta.url)(
  'node:_http_common',
) as LlhttpModule;

/** Framing fields we drop from trailers (RFC 9110 §6.5.1); the comparison drops them too. */
const NOT_IN_TRAILERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection']);

const lowerNames = (flat: string[]) =>
  flat.map((item, i) => (i % 2 === 0 ? item.toLowerCase() : item));

function llhttp(input: Buffer): Outcome {
  const parser = new HTTPParser();
  const out: Outcome = { rejected: false, code: undefined, messages: [], rest: '' };
  let current: (Message & { headed: boolean; upgrade: boolean }) | undefined;
  let pendingFields: string[] = [];
  let pendingUrl = '';
  parser[HTTPParser.kOnMessageBegin] = () => {
    current = undefined;
    pendingFields = [];
    pendingUrl = '';
  };
  // The slow path: fields flushed before the head ends (over 32 of them), or trailers after it.
  parser[HTTPParser.kOnHeaders] = ((fields: string[], url: string) => {
    if (current) current.trailers.push(...fields);
    else {
      pendingFields.push(...fields);
      pendingUrl += url;
    }
  }) as never;
  parser[HTTPParser.kOnHeadersComplete] = ((
    _major: number,
    minor: number,
    fields: string[] | undefined,
    method: number,
    url: string | undefined,
    _status: number,
    _statusMessage: string,
    upgrade: boolean,
  ) => {
    current = {
      method: LLHTTP_METHODS[method] as string,
      target: url || pendingUrl,
      minor,
      fields: lowerNames(fields ?? pendingFields),
      body: '',
      trailers: [],
      headed: true,
      upgrade,
    };
  }) as never;
  // Node 20+ passes one Buffer; older versions passed (buffer, start, length).
  parser[HTTPParser.kOnBody] = ((chunk: Buffer, start?: number, length?: number) => {
    const bytes = start === undefined ? chunk : chunk.subarray(start, start + (length ?? 0));
    if (current) current.body += bytes.toString('latin1');
  }) as never;
  parser[HTTPParser.kOnMessageComplete] = (() => {
    if (!current) return;
    const trailers = lowerNames(current.trailers);
    const kept: string[] = [];
    for (let i = 0; i < trailers.length; i += 2) {
      if (!NOT_IN_TRAILERS.has(trailers[i] as string))
        kept.push(trailers[i] as string, trailers[i + 1] as string);
    }
    const { headed: _h, upgrade: _u, ...message } = current;
    out.messages.push({ ...message, trailers: kept });
  }) as never;
  parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
  const parsed = parser.execute(input);
  let error = typeof parsed === 'number' ? undefined : parsed;
  if (typeof parsed === 'number' && current?.upgrade) {
    out.rest = input.subarray(parsed).toString('latin1');
  } else if (!error) {
    error = parser.finish();
  }
  parser.close();
  // After `Connection: close` (or HTTP/1.0 without keep-alive) llhttp reports the bytes that
  // follow; node:http, like us, just stops reading there. Not a rejection of what was parsed.
  if (error && error.code !== 'HPE_CLOSED_CONNECTION') {
    out.rejected = true;
    out.code = error.code;
  }
  return out;
}

/** Our parser, the input cut at `cuts` (sorted offsets) into separate pushes. */
function ours(input: Buffer, cuts: readonly number[] = []): Outcome {
  const out: Outcome = { rejected: false, code: undefined, messages: [], rest: '' };
  let current: Message | undefined;
  const parser = new RequestParser({
    onHead: (head) => {
      current = {
        method: head.method,
        target: head.target,
        minor: head.minor,
        fields: head.fields,
        body: '',
        trailers: [],
      };
    },
    onBody: (chunk) => {
      if (current) current.body += chunk.toString('latin1');
    },
    onTrailers: (fields) => {
      if (current) current.trailers = fields;
    },
    onEnd: () => {
      if (current) out.messages.push(current);
      current = undefined;
    },
  });
  let error: { code: string } | undefined;
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    if (cut <= from) continue;
    error = parser.push(input.subarray(from, cut));
    from = cut;
    if (error) break;
  }
  error ??= parser.finish();
  if (error) {
    out.rejected = true;
    out.code = error.code;
  }
  out.rest = Buffer.concat(parser.takeRest()).toString('latin1');
  return out;
}

const bytes = (raw: string) => Buffer.from(raw, 'latin1');

/** The parts both parsers must agree on (codes differ by design: ours name the RFC rule). */
const comparable = (o: Outcome) => ({ rejected: o.rejected, messages: o.messages, rest: o.rest });

// ---------------------------------------------------------------------------------------------
// Where we differ from llhttp on purpose. Each example is checked below: the table stays true.

interface Disagreement {
  readonly name: string;
  readonly clause: string;
  /** What we answer: our error code, or 'accept' where we are the more permissive one. */
  readonly ours: string;
  readonly llhttp: 'accept' | 'reject';
  /** Requests that show it; those from the corpus are how the corpus test knows them. */
  readonly examples: readonly string[];
}

const corpusRaw = (name: string): string => {
  const entry = smugglingCorpus.find((e) => e.name === name);
  assert.ok(entry, `no corpus entry ${name}`);
  return entry.raw;
};

const GET = (fields: string) => `GET / HTTP/1.1\r\n${fields}\r\n`;
const CHUNKED_HEAD = 'POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n';

export const DISAGREEMENTS: readonly Disagreement[] = [
  {
    name: 'connect',
    clause: 'RFC 9110 §9.3.6: CONNECT opens a tunnel, which this proxy does not offer (501)',
    ours: 'UNSUPPORTED_METHOD',
    llhttp: 'accept',
    examples: [corpusRaw('connect')],
  },
  {
    name: 'asterisk-form-with-get',
    clause: 'RFC 9112 §3.2.4: asterisk-form only for OPTIONS',
    ours: 'BAD_TARGET',
    llhttp: 'accept',
    examples: [corpusRaw('asterisk-form-with-get')],
  },
  {
    name: 'te-in-http-1-0',
    clause: 'RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing',
    ours: 'TRANSFER_ENCODING_IN_HTTP_1_0',
    llhttp: 'accept',
    examples: [corpusRaw('te-in-http-1-0')],
  },
  {
    name: 'te-gzip-then-chunked',
    clause: 'RFC 9112 §6.1: a transfer coding we do not implement is answered 501',
    ours: 'UNKNOWN_TRANSFER_CODING',
    llhttp: 'accept',
    examples: [corpusRaw('te-gzip-then-chunked')],
  },
  {
    name: 'te-with-empty-list-element',
    clause:
      'RFC 9112 §6.1 over RFC 9110 §5.6.1.2: in the one field that frames the body, an empty ' +
      'element is refused rather than ignored, so no downstream can read another first coding',
    ours: 'TRANSFER_ENCODING_NOT_CHUNKED',
    llhttp: 'accept',
    examples: ['POST / HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n'],
  },
  {
    name: 'no-host',
    clause: 'RFC 9112 §3.2: HTTP/1.1 without Host is 400 (llhttp leaves it to node:http)',
    ours: 'NO_HOST',
    llhttp: 'accept',
    examples: [corpusRaw('no-host')],
  },
  {
    name: 'two-hosts',
    clause: 'RFC 9112 §3.2: more than one Host is 400',
    ours: 'SEVERAL_HOSTS',
    llhttp: 'accept',
    examples: [corpusRaw('two-hosts')],
  },
  {
    name: 'host-not-uri-host',
    clause: 'RFC 9112 §3.2 and RFC 9110 §7.2: an invalid Host value is 400',
    ours: 'BAD_HOST',
    llhttp: 'accept',
    examples: [
      'host-with-space',
      'host-with-userinfo',
      'host-with-slash',
      'host-with-obs-text',
    ].map(corpusRaw),
  },
  {
    name: 'empty-host',
    clause:
      'RFC 9110 §7.2 allows an empty Host for a target without authority; a mesh routes by ' +
      'authority, so we refuse it (RFC 9112 §3.2: invalid for this server)',
    ours: 'BAD_HOST',
    llhttp: 'accept',
    examples: [GET('Host:\r\n')],
  },
  {
    name: 'two-spaces-after-method',
    clause: 'RFC 9112 §3: request-line = method SP request-target SP HTTP-version (one SP)',
    ours: 'BAD_TARGET',
    llhttp: 'accept',
    examples: [corpusRaw('two-spaces-after-method')],
  },
  {
    name: 'http-2-0-request-line',
    clause: 'RFC 9112 §2.3: a version we do not speak is 505 (HTTP/2 starts with its preface)',
    ours: 'UNSUPPORTED_VERSION',
    llhttp: 'accept',
    examples: [corpusRaw('http-2-0-request-line')],
  },
  {
    name: 'http-0-9-request-line',
    clause: 'RFC 9112 §3: the request line has a version; HTTP/0.9 is not served',
    ours: 'BAD_REQUEST_LINE',
    llhttp: 'accept',
    examples: [corpusRaw('http-0-9-style-request-line')],
  },
  {
    name: 'request-line-over-8-kib',
    clause: 'RFC 9112 §3: our 8 KiB request-line limit (414); llhttp in node counts 16 KiB of head',
    ours: 'REQUEST_LINE_TOO_LONG',
    llhttp: 'accept',
    examples: [corpusRaw('request-line-over-8-kib')],
  },
  {
    name: 'over-100-fields',
    clause: 'RFC 6585 §5: our 100-field limit (431); node:http only drops fields past 2,000',
    ours: 'TOO_MANY_FIELDS',
    llhttp: 'accept',
    examples: [corpusRaw('over-100-fields')],
  },
  {
    name: 'chunk-extensions-over-1-kib',
    clause: 'RFC 9112 §7.1.1: our 1 KiB bound on chunk extensions; node bounds them at 16 KiB',
    ours: 'CHUNK_EXTENSIONS_TOO_LONG',
    llhttp: 'accept',
    examples: [corpusRaw('chunk-extension-over-1-kib')],
  },
  // Where we are the more permissive one.
  {
    name: 'extension-method',
    clause: 'RFC 9110 §9.1 and §16.1: a method is any token; llhttp knows a fixed list',
    ours: 'accept',
    llhttp: 'reject',
    examples: ['PURGEALL / HTTP/1.1\r\nHost: app\r\n\r\n'],
  },
  {
    name: 'bws-in-chunk-extension',
    clause:
      'RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ); extensions ' +
      'are dropped, never forwarded, so the whitespace cannot reach another parser',
    ours: 'accept',
    llhttp: 'reject',
    examples: [`${CHUNKED_HEAD}3 ; a = b\r\nabc\r\n0\r\n\r\n`],
  },
  {
    name: 'framing-field-in-trailers',
    clause:
      'RFC 9110 §6.5.1: a trailer field that frames the message is dropped, not obeyed; llhttp ' +
      'refuses a Content-Length there',
    ours: 'accept',
    llhttp: 'reject',
    examples: [`${CHUNKED_HEAD}3\r\nabc\r\n0\r\nContent-Length: 5\r\n\r\n`],
  },
];

const disagreement = (name: string): Disagreement => {
  const entry = DISAGREEMENTS.find((d) => d.name === name);
  assert.ok(entry, `no disagreement ${name}`);
  return entry;
};

// ---------------------------------------------------------------------------------------------
// Generated requests.

const TCHARS =
  "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const chars = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));
/** field-vchar: VCHAR and obs-text (RFC 9110 §5.5). */
const VCHARS = [...chars(0x21, 0x7e), ...chars(0x80, 0xff)];
/** Every visible ASCII byte, which llhttp and we both take in a target. */
const TARGET_CHARS = chars(0x21, 0x7e);
const HOST_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789-.'.split('');

/** Names whose fields frame or route the message: generated only by the framing below. */
const SPECIAL = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'keep-alive',
  'proxy-connection',
]);

const token = (max: number) =>
  fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: max });
const fieldName = token(16).filter((n) => !SPECIAL.has(n.toLowerCase()));
const ows = fc.constantFrom('', '', ' ', '\t', '  ', ' \t ');
/** A value: vchar at both ends, SP/HTAB allowed inside, or empty. */
const fieldValue = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...VCHARS) }, fc.constantFrom(' ', '\t')),
      {
        minLength: 1,
        maxLength: 24,
      },
    )
    .map((parts) => parts.join(''))
    .filter((v) => !/^[ \t]|[ \t]$/.test(v)),
);
const casing = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());

const host = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...HOST_CHARS), minLength: 1, maxLength: 12 }),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([name, port]) => (port === undefined ? name : `${name}:${port}`));
const path = fc
  .string({ unit: fc.constantFrom(...TARGET_CHARS), maxLength: 40 })
  .map((rest) => `/${rest}`);
const target = fc.oneof(
  { weight: 8, arbitrary: path },
  fc.tuple(host, path).map(([h, p]) => `http://${h}${p}`),
);
const METHOD = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE');
const bodyBytes = (max: number) =>
  fc.string({
    unit: fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)),
    maxLength: max,
  });

interface Chunk {
  data: string;
  size: string;
  ext: string;
}

type Body =
  | { kind: 'none' }
  | { kind: 'length'; data: string; name: string; value: string }
  | {
      kind: 'chunked';
      name: string;
      value: string;
      chunks: Chunk[];
      last: string;
      trailers: string[];
    };

interface Req {
  method: string;
  target: string;
  minor: 0 | 1;
  /** Raw field lines (without CRLF), Host first when there is one. */
  lines: string[];
  body: Body;
}

const hexSize = (n: number) =>
  fc
    .tuple(fc.constantFrom('', '0', '00'), fc.boolean())
    .map(([zeros, upper]) => zeros + (upper ? n.toString(16).toUpperCase() : n.toString(16)));
const chunkExt = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  fc
    .array(
      fc.tuple(
        token(8),
        fc.oneof(
          fc.constant(''),
          token(8).map((v) => `=${v}`),
          fc
            .string({
              unit: fc.constantFrom(...chars(0x20, 0x7e).filter((c) => c !== '"' && c !== '\\')),
              maxLength: 10,
            })
            .map((v) => `="${v}"`),
        ),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((exts) => exts.map(([n, v]) => `;${n}${v}`).join('')),
);
const chunk: fc.Arbitrary<Chunk> = bodyBytes(40)
  .filter((d) => d.length > 0)
  .chain((data) =>
    fc.record({ data: fc.constant(data), size: hexSize(data.length), ext: chunkExt }),
  );
const trailerLine = fc
  .tuple(fieldName, ows, fieldValue, ows)
  .map(([n, l, v, r]) => `${n}:${l}${v}${r}`);

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Body>({ kind: 'none' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('length' as const),
      data: bodyBytes(80),
      name: casing('Content-Length'),
      value: fc.constant(''),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('chunked' as const),
      name: casing('Transfer-Encoding'),
      value: casing('chunked'),
      chunks: fc.array(chunk, { maxLength: 4 }),
      last: fc.tuple(fc.constantFrom('0', '000'), chunkExt).map(([z, e]) => z + e),
      trailers: fc.array(trailerLine, { maxLength: 3 }),
    }),
  },
);

/** A request both parsers must accept. `keepOpen` keeps the connection open for the next one. */
const request = (keepOpen: boolean): fc.Arbitrary<Req> =>
  fc
    .record({
      method: METHOD,
      target,
      minor: keepOpen ? fc.constant<1>(1) : fc.constantFrom<0 | 1>(1, 1, 1, 0),
      host: fc.tuple(casing('Host'), ows, host),
      fields: fc.array(fc.tuple(fieldName, ows, fieldValue, ows), { maxLength: 8 }),
      close: keepOpen ? fc.constant(false) : fc.boolean(),
      body,
    })
    .map(({ method, target, minor, host: [hostName, hostOws, hostValue], fields, close, body }) => {
      const lines = [`${hostName}:${hostOws}${hostValue}`];
      for (const [n, l, v, r] of fields) lines.push(`${n}:${l}${v}${r}`);
      if (close) lines.push('Connection: close');
      // Chunked in HTTP/1.0 is one of the disagreements; a valid 1.0 request uses a length.
      const framed: Body =
        minor === 0 && body.kind === 'chunked'
          ? { kind: 'length', data: 'x', name: 'Content-Length', value: '' }
          : body;
      return { method, target, minor, lines, body: framed };
    });

function framingLine(body: Body): string | undefined {
  if (body.kind === 'length') return `${body.name}: ${body.value || body.data.length}`;
  if (body.kind === 'chunked') return `${body.name}: ${body.value}`;
  return undefined;
}

function bodyWire(body: Body): string {
  if (body.kind === 'length') return body.data;
  if (body.kind !== 'chunked') return '';
  const chunks = body.chunks.map((c) => `${c.size}${c.ext}\r\n${c.data}\r\n`).join('');
  return `${chunks}${body.last}\r\n${body.trailers.map((t) => `${t}\r\n`).join('')}\r\n`;
}

function wire(req: Req): string {
  const framing = framingLine(req.body);
  const lines = framing === undefined ? req.lines : [...req.lines, framing];
  return `${req.method} ${req.target} HTTP/1.${req.minor}\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n${bodyWire(req.body)}`;
}

/** A flaw in one request, at a spot `pick` chooses; `breaks` names what it breaks. */
interface Mutation {
  readonly name: string;
  /** 'both' when llhttp refuses it as we do; otherwise the DISAGREEMENTS entry it shows. */
  readonly expect: 'both-reject' | string;
  apply(req: Req, pick: number): string;
}

const insertAt = (text: string, at: number, what: string) =>
  text.slice(0, at) + what + text.slice(at);
const CTLS = [...chars(0x01, 0x08), ...chars(0x0b, 0x0c), ...chars(0x0e, 0x1f), '\x7f'];
const NON_TOKEN = '()<>@,;\\"/[]?={}\x01\x7f\xe9'.split('');
const chunkedBody = (chunks: string): string => `Transfer-Encoding: chunked\r\n\r\n${chunks}`;
/** The head of `req` without its framing and final CRLF, for mutations that write their own. */
const headOnly = (req: Req, lines = req.lines) =>
  `${req.method} ${req.target} HTTP/1.${req.minor}\r\n${lines.map((l) => `${l}\r\n`).join('')}`;

const MUTATIONS: readonly Mutation[] = [
  // Both refuse these.
  {
    name: 'nul or other CTL in a field value',
    expect: 'both-reject',
    apply: (req, pick) => {
      const lines = [...req.lines, `x-ctl: a${CTLS[pick % CTLS.length]}b`];
      return wire({ ...req, lines });
    },
  },
  {
    name: 'a non-token byte in a field name',
    expect: 'both-reject',
    apply: (req, pick) =>
      wire({ ...req, lines: [...req.lines, `x${NON_TOKEN[pick % NON_TOKEN.length]}y: z`] }),
  },
  {
    name: 'whitespace before the colon',
    expect: 'both-reject',
    apply: (req, pick) => wire({ ...req, lines: [...req.lines, `x-a${pick % 2 ? ' ' : '\t'}: z`] }),
  },
  {
    name: 'obs-fold',
    expect: 'both-reject',
    apply: (req, pick) =>
      wire({ ...req, lines: [...req.lines, 'x-a: b', `${pick % 2 ? ' ' : '\t'}c`] }),
  },
  {
    name: 'a bare LF ending a head line',
    expect: 'both-reject',
    apply: (req, pick) => {
      const head = headOnly(req);
      const ends = [...head.matchAll(/\r\n/g)].map((m) => m.index as number);
      const at = ends[pick % ends.length] as number;
      return `${head.slice(0, at)}\n${head.slice(at + 2)}\r\n`;
    },
  },
  {
    name: 'a bare CR inside a field line',
    expect: 'both-reject',
    apply: (req) => wire({ ...req, lines: [...req.lines, 'x-a: b\rx-c: d'] }),
  },
  {
    name: 'Content-Length beside Transfer-Encoding',
    expect: 'both-reject',
    apply: (req, pick) => {
      const cl = 'Content-Length: 5';
      const te = 'Transfer-Encoding: chunked';
      const lines = pick % 2 ? [...req.lines, cl, te] : [...req.lines, te, cl];
      return `${headOnly({ ...req, minor: 1 }, lines)}\r\n0\r\n\r\n`;
    },
  },
  {
    name: 'two Content-Length fields',
    expect: 'both-reject',
    apply: (req, pick) =>
      `${headOnly(req, [...req.lines, 'Content-Length: 3', `Content-Length: ${pick % 2 ? 3 : 4}`])}\r\nabcd`,
  },
  {
    name: 'a Content-Length that is not 1*DIGIT',
    expect: 'both-reject',
    apply: (req, pick) => {
      const values = ['3, 3', '-3', '+3', '0x3', '3 3', '3a', '', '3;'];
      return `${headOnly(req, [...req.lines, `Content-Length: ${values[pick % values.length]}`])}\r\nabc`;
    },
  },
  {
    name: 'a Transfer-Encoding without one final chunked',
    expect: 'both-reject',
    apply: (req, pick) => {
      const values = [
        'chunked, identity',
        'xchunked',
        'identity',
        'chunked, chunked',
        'chunked, gzip',
        '"chunked"',
      ];
      return `${headOnly({ ...req, minor: 1 }, [...req.lines, `Transfer-Encoding: ${values[pick % values.length]}`])}\r\n0\r\n\r\n`;
    },
  },
  {
    name: 'a chunk size that is not 1*HEXDIG',
    expect: 'both-reject',
    apply: (req, pick) => {
      const sizes = ['g', '-1', '', '0x3', '3 3', '+3', '\t3'];
      return `${headOnly({ ...req, minor: 1 })}${chunkedBody(`${sizes[pick % sizes.length]}\r\nabc\r\n0\r\n\r\n`)}`;
    },
  },
  {
    name: 'chunk data not followed by CRLF',
    expect: 'both-reject',
    apply: (req, pick) => {
      const ends = ['', 'x', '\n', '\r', 'X\r\n'];
      return `${headOnly({ ...req, minor: 1 })}${chunkedBody(`3\r\nabc${ends[pick % ends.length]}0\r\n\r\n`)}`;
    },
  },
  {
    name: 'an HTTP/1.x version above 1.1 or a malformed one',
    expect: 'both-reject',
    apply: (req, pick) => {
      const versions = [
        'HTTP/1.2',
        'HTTP/1.9',
        'http/1.1',
        'HTTP/1.1 ',
        'HTTP/11',
        'HTTP/1.',
        'HTTPS/1.1',
      ];
      return wire(req).replace(/HTTP\/1\.[01]/, versions[pick % versions.length] as string);
    },
  },
  {
    name: 'a byte outside visible ASCII in the target',
    expect: 'both-reject',
    apply: (req, pick) => {
      const bad = ['\x80', '\xe9', '\xff', '\x7f', '\x00', '\x1f'][pick % 6] as string;
      return wire({ ...req, target: insertAt(req.target, 1 + (pick % req.target.length), bad) });
    },
  },
  // Each of these shows one entry of DISAGREEMENTS.
  {
    name: 'CONNECT',
    expect: 'connect',
    apply: (req) => `CONNECT app:443 HTTP/1.1\r\n${req.lines.map((l) => `${l}\r\n`).join('')}\r\n`,
  },
  {
    name: 'asterisk-form with another method than OPTIONS',
    expect: 'asterisk-form-with-get',
    apply: (req) =>
      wire({ ...req, method: req.method === 'OPTIONS' ? 'GET' : req.method, target: '*' }),
  },
  {
    name: 'Transfer-Encoding in HTTP/1.0',
    expect: 'te-in-http-1-0',
    apply: (req) => `${headOnly({ ...req, minor: 0 })}${chunkedBody('3\r\nabc\r\n0\r\n\r\n')}`,
  },
  {
    name: 'a transfer coding before chunked',
    expect: 'te-gzip-then-chunked',
    apply: (req, pick) =>
      `${headOnly({ ...req, minor: 1 }, [...req.lines, `Transfer-Encoding: ${['gzip', 'deflate', 'br'][pick % 3]}, chunked`])}\r\n0\r\n\r\n`,
  },
  {
    name: 'no Host in HTTP/1.1',
    expect: 'no-host',
    apply: (req) => wire({ ...req, minor: 1, lines: req.lines.slice(1) }),
  },
  {
    name: 'a second Host',
    expect: 'two-hosts',
    apply: (req) => wire({ ...req, lines: [...req.lines, 'Host: other'] }),
  },
  {
    name: 'a Host that is not uri-host[:port]',
    expect: 'host-not-uri-host',
    apply: (req, pick) => {
      const bad = ['user@evil', 'a b', 'a/b', 'caf\xe9', 'a"b', 'a\\b', 'a<b'][pick % 7] as string;
      return wire({ ...req, lines: [`Host: ${bad}`, ...req.lines.slice(1)] });
    },
  },
  {
    name: 'two spaces between method and target',
    expect: 'two-spaces-after-method',
    apply: (req) => wire(req).replace(' ', '  '),
  },
  {
    name: 'an extension method',
    expect: 'extension-method',
    apply: (req, pick) =>
      wire({ ...req, method: ['PURGEALL', 'get', 'X-SYNC', 'FOO'][pick % 4] as string }),
  },
  {
    name: 'BWS around a chunk extension',
    expect: 'bws-in-chunk-extension',
    apply: (req, pick) => {
      const exts = ['3 ;a', '3; a', '3;a =b', '3;a= b', '3\t;a'];
      return `${headOnly({ ...req, minor: 1 })}${chunkedBody(`${exts[pick % exts.length]}\r\nabc\r\n0\r\n\r\n`)}`;
    },
  },
];

const requestsBefore = fc.array(request(true), { maxLength: 2 });

/** Cut points for our parser: anywhere, including inside CRLF and multi-byte values. */
const cutsFor = (length: number) =>
  fc
    .array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 6 })
    .map((c) => [...new Set(c)].sort((a, b) => a - b));

const RUNS = Number(process.env.FUSION_DIFF_RUNS ?? 300);

describe('RequestParser against llhttp', () => {
  it("the oracle is node:http's llhttp with no lenient flags", () => {
    const out = llhttp(bytes('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi'));
    assert.deepEqual(out.messages, [
      {
        method: 'POST',
        target: '/a',
        minor: 1,
        fields: ['host', 'x', 'content-length', '2'],
        body: 'hi',
        trailers: [],
      },
    ]);
    // A bare LF is only taken with kLenientOptionalCRBeforeLF: its refusal proves strict mode.
    assert.equal(llhttp(bytes('GET / HTTP/1.1\r\nHost: x\nA: b\r\n\r\n')).rejected, true);
  });

  it('agrees on valid pipelines, split anywhere for our parser', () => {
    const pipeline = fc
      .tuple(requestsBefore, request(false), fc.option(bodyBytes(20), { nil: undefined }))
      .map(([before, last, trailingCrlf]) => {
        // An empty line between requests is ignored by both (RFC 9112 §2.2).
        const joiner = trailingCrlf?.length === 1 ? '\r\n' : '';
        return [...before, last].map(wire).join(joiner);
      })
      .chain((raw) => fc.tuple(fc.constant(raw), cutsFor(raw.length)));
    fc.assert(
      fc.property(pipeline, ([raw, cuts]) => {
        const input = bytes(raw);
        const mine = ours(input, cuts);
        const theirs = llhttp(input);
        assert.equal(mine.rejected, false, `we refused a valid request: ${mine.code}`);
        assert.deepEqual(comparable(mine), comparable(theirs));
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees on an upgrade and the bytes after it', () => {
    fc.assert(
      fc.property(requestsBefore, bodyBytes(30), (before, after) => {
        const upgrade =
          'GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
        const input = bytes(before.map(wire).join('') + upgrade + after);
        const mine = ours(input);
        assert.deepEqual(comparable(mine), comparable(llhttp(input)));
        assert.equal(mine.rest, after);
      }),
      { numRuns: Math.ceil(RUNS / 6) },
    );
  });

  it('agrees on slightly broken requests, or differs only as DISAGREEMENTS says', () => {
    const seen = new Set<string>();
    const broken = fc
      .tuple(requestsBefore, request(true), fc.constantFrom(...MUTATIONS), fc.nat())
      .map(([before, victim, mutation, pick]) => ({
        prefix: before.map(wire).join(''),
        count: before.length,
        raw: mutation.apply(victim, pick),
        mutation,
      }));
    fc.assert(
      fc.property(broken, ({ prefix, count, raw, mutation }) => {
        seen.add(mutation.name);
        const input = bytes(prefix + raw);
        const mine = ours(input);
        const theirs = llhttp(input);
        // The valid requests before the broken one come out of both, the same.
        assert.deepEqual(mine.messages.slice(0, count), theirs.messages.slice(0, count));
        if (mutation.expect === 'both-reject') {
          assert.equal(mine.rejected, true, `we accepted ${mutation.name}: ${JSON.stringify(raw)}`);
          assert.equal(
            theirs.rejected,
            true,
            `llhttp accepted ${mutation.name}: ${JSON.stringify(raw)}`,
          );
          assert.equal(mine.messages.length, count, 'no part of a refused request comes out');
          return;
        }
        const entry = disagreement(mutation.expect);
        if (entry.ours === 'accept')
          assert.equal(mine.rejected, false, `${mutation.name}: ${mine.code}`);
        else assert.equal(mine.code, entry.ours, `${mutation.name}: ${JSON.stringify(raw)}`);
        assert.equal(
          theirs.rejected,
          entry.llhttp === 'reject',
          `${mutation.name} in llhttp: ${theirs.code}`,
        );
      }),
      { numRuns: RUNS },
    );
    assert.equal(seen.size, MUTATIONS.length, 'every kind of flaw was generated');
  });

  for (const entry of DISAGREEMENTS) {
    it(`differs on ${entry.name} (${entry.clause})`, () => {
      for (const example of entry.examples) {
        const input = bytes(example);
        const mine = ours(input);
        const theirs = llhttp(input);
        if (entry.ours === 'accept') assert.equal(mine.rejected, false, mine.code);
        else assert.equal(mine.code, entry.ours);
        assert.equal(theirs.rejected, entry.llhttp === 'reject', `llhttp: ${theirs.code}`);
      }
    });
  }

  it('refuses every corpus entry; llhttp does too, except the disagreements', () => {
    const disagreeing = new Set(DISAGREEMENTS.flatMap((d) => d.examples));
    assert.ok(smugglingCorpus.length >= 45);
    assert.equal(
      new Set(smugglingCorpus.map((e) => e.name)).size,
      smugglingCorpus.length,
      'names are unique',
    );
    for (const entry of smugglingCorpus) {
      let heads = 0;
      let ends = 0;
      const parser = new RequestParser({
        onHead: () => heads++,
        onBody() {},
        onTrailers() {},
        onEnd: () => ends++,
      });
      const input = bytes(entry.raw);
      const error = parser.push(input) ?? parser.finish();
      assert.equal(error?.code, entry.code, entry.name);
      assert.equal(error?.status, entry.status, entry.name);
      assert.equal(ends, 0, `${entry.name}: a refused request never ends`);
      assert.equal(heads === 0 ? 'head' : 'body', entry.refused, entry.name);
      // Split at every byte, the same refusal: framing never depends on how the bytes arrived.
      const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
      assert.equal(ours(input, cuts).code, entry.code, `${entry.name}, byte by byte`);
      const theirs = llhttp(input);
      if (!disagreeing.has(entry.raw)) {
        assert.equal(
          theirs.rejected,
          true,
          `${entry.name}: llhttp accepts it, but DISAGREEMENTS does not say so`,
        );
      }
    }
  });
});
