import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { Body } from '../http/body.ts';
import { HeaderList } from '../http/headers.ts';
import type { ProxyResponse } from '../http/message.ts';
import { refuse, tunnel } from './tunnel.ts';

const NO_TRAILERS = Promise.resolve(undefined);

test('tunnel: the 101 names the protocol, then bytes flow both ways; an end passes after the bytes before it', async () => {
  const [caller, fromCaller] = await socketPair();
  const [toApp, app] = await socketPair();
  const response: ProxyResponse = {
    status: 101,
    headers: HeaderList.from({ 'sec-websocket-accept': 'abc=' }),
    body: null,
    trailers: NO_TRAILERS,
  };
  tunnel(fromCaller, response, { protocol: 'websocket', socket: toApp });
  const callerRead = readAll(caller);

  caller.write('ping');
  const [atApp] = (await once(app, 'data')) as [Buffer];
  assert.equal(String(atApp), 'ping');
  app.end('last words');

  assert.equal(
    await callerRead,
    'HTTP/1.1 101 Switching Protocols\r\nsec-websocket-accept: abc=\r\n' +
      'connection: upgrade\r\nupgrade: websocket\r\n\r\nlast words',
  );
  caller.end();
  await Promise.all([once(caller, 'close'), once(app, 'close')]);
});

test('tunnel: one side failing cuts the other', async () => {
  const [caller, fromCaller] = await socketPair();
  const [toApp, app] = await socketPair();
  tunnel(
    fromCaller,
    { status: 101, headers: new HeaderList(), body: null, trailers: NO_TRAILERS },
    { protocol: 'shout', socket: toApp },
  );
  caller.resume();
  const closed = once(caller, 'close');
  app.resetAndDestroy();
  await closed;
  assert.ok(fromCaller.destroyed);
});

test('refuse: any other answer goes back close-delimited, body streamed, then the connection closes', async () => {
  const [caller, fromCaller] = await socketPair();
  const callerRead = readAll(caller);
  refuse(fromCaller, {
    status: 401,
    headers: HeaderList.from({ 'content-type': 'text/plain', 'x-multi': ['a', 'b'] }),
    body: Body.of(Buffer.from('who '), Buffer.from('are you')),
    trailers: NO_TRAILERS,
  });
  assert.equal(
    await callerRead,
    'HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\nx-multi: a\r\nx-multi: b\r\n' +
      'connection: close\r\n\r\nwho are you',
  );
});

/** Two ends of one loopback TCP connection: [connecting side, accepted side]. */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const connecting = net.connect(port, '127.0.0.1');
  const [[accepted]] = (await Promise.all([
    once(server, 'connection'),
    once(connecting, 'connect'),
  ])) as [[net.Socket], unknown];
  server.close();
  return [connecting, accepted];
}

/** Everything `socket` receives until its end. */
async function readAll(socket: net.Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) text += chunk;
  return text;
}
