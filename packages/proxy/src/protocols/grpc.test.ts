/**
 * gRPC through a real proxy pair: a grpc-js client calls its outbound proxy over h2c, the
 * proxies carry it over their mTLS HTTP/2 session, and the inbound proxy speaks h2c to a grpc-js
 * server. All four call shapes; metadata and trailers, grpc-status and grpc-message, end to end,
 * including the trailers-only responses grpc-js sends for errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  latch,
  type ProxyPair,
  sample,
  startPair,
  startTestMesh,
  type TestMesh,
} from '../testing/index.ts';

interface Note {
  readonly text: string;
}

/** A client of the Echo service, typed by hand (makeGenericClientConstructor's are untyped). */
interface EchoClient extends grpc.Client {
  say(note: Note, metadata: grpc.Metadata, done: grpc.requestCallback<Note>): grpc.ClientUnaryCall;
  count(note: Note): grpc.ClientReadableStream<Note>;
  gather(done: grpc.requestCallback<Note>): grpc.ClientWritableStream<Note>;
  chat(): grpc.ClientDuplexStream<Note, Note>;
}

const ECHO = {
  say: method('Say', false, false),
  count: method('Count', false, true),
  gather: method('Gather', true, false),
  chat: method('Chat', true, true),
} satisfies grpc.ServiceDefinition;

const Echo = grpc.makeGenericClientConstructor(ECHO, 'Echo');

describe('gRPC through a proxy pair to an h2c app', () => {
  let mesh: TestMesh;
  let pair: ProxyPair;
  let server: grpc.Server;
  let client: EchoClient;
  const seen: grpc.Metadata[] = [];
  /** Opened by the test once the first streamed message has reached the client. */
  let firstCountArrived = latch();
  /** Opened by the app once the first message of a client stream has reached it. */
  let firstGatheredArrived = latch();

  before(async () => {
    mesh = await startTestMesh();
    server = new grpc.Server();
    server.addService(ECHO, {
      say: (call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) => {
        seen.push(call.metadata);
        if (call.request.text === 'missing') {
          done({
            code: grpc.status.NOT_FOUND,
            details: 'no such note: «missing»',
            metadata: metadata({ 'x-why': 'it was never written' }),
          });
          return;
        }
        call.sendMetadata(metadata({ 'x-early': 'headers' }));
        const trailers = metadata({ 'x-late': 'trailers' });
        trailers.set('x-digest-bin', Buffer.from([0, 1, 0xfe, 0xff]));
        done(null, { text: `said: ${call.request.text}` }, trailers);
      },
      count: async (call: grpc.ServerWritableStream<Note, Note>) => {
        call.write({ text: 'one' });
        await firstCountArrived.opened;
        if (call.request.text === 'fail') {
          call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'counted enough' });
          return;
        }
        call.write({ text: 'two' });
        call.write({ text: 'three' });
        call.end(metadata({ 'x-counted': '3' }));
      },
      gather: (call: grpc.ServerReadableStream<Note, Note>, done: grpc.sendUnaryData<Note>) => {
        const parts: string[] = [];
        call.on('data', (note: Note) => {
          parts.push(note.text);
          firstGatheredArrived.open();
        });
        call.on('end', () => done(null, { text: parts.join(' ') }));
      },
      chat: (call: grpc.ServerDuplexStream<Note, Note>) => {
        call.on('data', (note: Note) => call.write({ text: note.text.toUpperCase() }));
        call.on('end', () => call.end());
      },
    });
    const appPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
    pair = await startPair(mesh, { appPort, appProtocol: 'h2c' });
    client = new Echo(`127.0.0.1:${pair.outboundPort}`, grpc.credentials.createInsecure(), {
      // What an app's channel to `ai-kernel:8001` would send; the outbound proxy routes by it.
      'grpc.default_authority': 'ai-kernel:8001',
    }) as unknown as EchoClient;
  });

  after(async () => {
    client.close();
    await pair.close();
    server.forceShutdown();
    await mesh.close();
  });

  it('unary: the answer, its headers and trailers arrive; the app sees the caller', async () => {
    const call = unary(client, { text: 'hello' });
    const { reply, headers, status } = await call;
    assert.deepEqual(reply, { text: 'said: hello' });
    assert.deepEqual(headers.get('x-early'), ['headers']);
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-late'), ['trailers']);
    assert.deepEqual(status.metadata.get('x-digest-bin'), [Buffer.from([0, 1, 0xfe, 0xff])]);
    assert.deepEqual(seen.at(-1)?.get('l5d-client-id'), [pair.caller.identity]);
    const ok = { grpc_status: '0', classification: 'success' };
    assert.equal(sample(pair.inboundRegistry, 'response_total', ok), 1);
    assert.equal(sample(pair.outboundRegistry, 'response_total', ok), 1);
  });

  it('unary error (trailers-only): NOT_FOUND, its message and metadata reach the client and are counted as failures', async () => {
    const { error } = await unary(client, { text: 'missing' });
    assert.equal(error?.code, grpc.status.NOT_FOUND);
    assert.equal(error?.details, 'no such note: «missing»');
    assert.deepEqual(error?.metadata.get('x-why'), ['it was never written']);
    const notFound = { grpc_status: '5', classification: 'failure' };
    assert.equal(sample(pair.inboundRegistry, 'response_total', notFound), 1);
    assert.equal(sample(pair.outboundRegistry, 'response_total', notFound), 1);
    const inbound = { direction: 'inbound', client_id: pair.caller.identity, ...notFound };
    assert.equal(sample(pair.inboundRegistry, 'response_total', inbound), 1);
  });

  it('server streaming: each message is forwarded as it is sent; trailers follow', async () => {
    firstCountArrived = latch();
    const stream = client.count({ text: 'go' });
    const notes: string[] = [];
    stream.on('data', (note: Note) => {
      notes.push(note.text);
      // The app sends the rest only now: a proxy holding the stream back would hang here.
      firstCountArrived.open();
    });
    const status = await statusOf(stream);
    assert.deepEqual(notes, ['one', 'two', 'three']);
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(status.metadata.get('x-counted'), ['3']);
  });

  it('server streaming that fails after a message: the status arrives in the trailers', async () => {
    firstCountArrived = latch();
    const stream = client.count({ text: 'fail' });
    const notes: string[] = [];
    stream.on('data', (note: Note) => {
      notes.push(note.text);
      firstCountArrived.open();
    });
    const status = await statusOf(stream);
    assert.deepEqual(notes, ['one']);
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(status.details, 'counted enough');
    const exhausted = { grpc_status: '8', classification: 'failure' };
    assert.equal(sample(pair.outboundRegistry, 'response_total', exhausted), 1);
  });

  it('client streaming: the app gets each message before the client sends the next', async () => {
    firstGatheredArrived = latch();
    let answer!: (value: { error: grpc.ServiceError | null; reply?: Note }) => void;
    const answered = new Promise<{ error: grpc.ServiceError | null; reply?: Note }>((resolve) => {
      answer = resolve;
    });
    const stream = client.gather((error, reply) => answer({ error, ...(reply ? { reply } : {}) }));
    stream.write({ text: 'first' });
    await firstGatheredArrived.opened;
    stream.write({ text: 'second' });
    stream.end();
    const { error, reply } = await answered;
    assert.equal(error, null);
    assert.deepEqual(reply, { text: 'first second' });
  });

  it('bidirectional streaming: ten round trips on one call', async () => {
    const stream = client.chat();
    const replies: string[] = [];
    for (let i = 0; i < 10; i++) {
      const next = new Promise<Note>((resolve) => stream.once('data', resolve));
      stream.write({ text: `ping ${i}` });
      replies.push((await next).text);
    }
    stream.end();
    const status = await statusOf(stream);
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(
      replies,
      Array.from({ length: 10 }, (_, i) => `PING ${i}`),
    );
  });
});

// --- the service and calls to it ---

function method(name: string, requestStream: boolean, responseStream: boolean) {
  const serialize = (note: Note) => Buffer.from(JSON.stringify(note));
  const deserialize = (bytes: Buffer): Note => JSON.parse(bytes.toString());
  return {
    path: `/fusion.test.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

function metadata(entries: Record<string, string>): grpc.Metadata {
  const result = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) result.set(key, value);
  return result;
}

interface UnaryResult {
  readonly reply: Note | undefined;
  readonly error: grpc.ServiceError | null;
  readonly headers: grpc.Metadata;
  readonly status: grpc.StatusObject;
}

/** A unary call with everything that comes back: answer or error, headers, final status. */
function unary(echo: EchoClient, note: Note): Promise<UnaryResult> {
  return new Promise((resolve) => {
    let headers = new grpc.Metadata();
    let outcome: { reply: Note | undefined; error: grpc.ServiceError | null } | undefined;
    let status: grpc.StatusObject | undefined;
    const settle = () => {
      if (outcome && status) resolve({ ...outcome, headers, status });
    };
    const call = echo.say(note, new grpc.Metadata(), (error, reply) => {
      outcome = { reply, error };
      settle();
    });
    call.on('metadata', (received: grpc.Metadata) => {
      headers = received;
    });
    call.on('status', (received: grpc.StatusObject) => {
      status = received;
      settle();
    });
  });
}

function statusOf(call: grpc.ClientReadableStream<Note>): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    // A failed call also emits 'error'; the status carries the same code.
    call.on('error', () => {});
    call.on('status', resolve);
  });
}
