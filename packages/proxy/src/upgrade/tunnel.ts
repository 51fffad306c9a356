/**
 * Writing the answer to an upgrade request on the caller's raw connection, which Node's HTTP
 * server has let go of: a 101 followed by the two connections piped into each other, or any
 * other response followed by closing (a connection that asked to switch is not reused).
 */
import type { Duplex } from 'node:stream';
import { responseHead } from '../h1/serialize.ts';
import { writeBodyTo } from '../http/body.ts';
import type { ProxyResponse, Upgraded } from '../http/message.ts';

/** Answers 101 on `client` and joins it to the upgraded connection, both ways. */
export function tunnel(client: Duplex, response: ProxyResponse, upgraded: Upgraded): void {
  const upstream = upgraded.socket;
  if (client.destroyed) {
    upstream.destroy();
    return;
  }
  client.write(
    responseHead(101, response.headers, `connection: upgrade\r\nupgrade: ${upgraded.protocol}\r\n`),
    'latin1',
  );
  join(client, upstream);
}

/** Writes a response that is not a 101, its body streamed, then closes `client`. */
export function refuse(client: Duplex, response: ProxyResponse): void {
  const body = response.body;
  if (client.destroyed) {
    body?.cancel(new Error('the client went away'));
    return;
  }
  // Close-delimited: the length is known only to a body that says so itself.
  client.write(responseHead(response.status, response.headers, 'connection: close\r\n'), 'latin1');
  if (!body) {
    client.end();
    return;
  }
  writeBodyTo(body, client);
}

/**
 * Pipes each side into the other. One side ending (FIN) ends the other once what is in flight
 * is written, as a WebSocket's closing handshake expects; one side failing cuts both.
 */
function join(a: Duplex, b: Duplex): void {
  const cut = () => {
    a.destroy();
    b.destroy();
  };
  for (const [side, other] of [
    [a, b],
    [b, a],
  ] as const) {
    side.on('error', cut);
    side.once('close', () => other.end());
    (side as Duplex & { setTimeout?(ms: number): void }).setTimeout?.(0);
    side.pipe(other);
  }
}
