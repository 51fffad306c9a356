/**
 * Joins two connections byte for byte, as an opaque proxy must: each direction is piped with
 * backpressure, and one side's end (a FIN, or TLS close_notify) is passed on as the other's
 * end — a half-close, after which the opposite direction still flows (a client that sends its
 * request and shuts its writing side still gets the whole answer). The pair is done once both
 * directions have ended.
 *
 * An error on either side destroys both: the failed side with its error, the other cut at
 * once — reset, when it is plain TCP, so that a loopback app sees ECONNRESET rather than a
 * clean FIN that could pass for a complete answer. Across the mesh a TLS connection can only
 * be closed, since a reset cannot be sent through the TLS layer.
 *
 * Both sockets must allow half-open connections (`allowHalfOpen: true`), or Node ends the
 * writing side as soon as the reading side ends.
 */
import { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

export interface PipeResult {
  /** The first error either side raised; undefined when both directions ended cleanly. */
  readonly error: Error | undefined;
  /** Which side raised it. */
  readonly failedSide: 'a' | 'b' | undefined;
}

/** Resolves once both sockets have closed. */
export function pipeBothWays(a: Socket, b: Socket): Promise<PipeResult> {
  return new Promise((resolve) => {
    let error: Error | undefined;
    let failedSide: 'a' | 'b' | undefined;
    let open = 2;
    const fail = (side: 'a' | 'b', other: Socket) => (cause: Error) => {
      if (error) return;
      error = cause;
      failedSide = side;
      cut(other);
    };
    const closed = (self: Socket, other: Socket) => () => {
      // Closed before both its directions ended (destroyed by a drain, say): nothing more can
      // cross, so the partner must not be left open waiting.
      if (!(self.readableEnded && self.writableFinished)) cut(other);
      open -= 1;
      if (open === 0) resolve({ error, failedSide });
    };
    const sides = [
      [a, b, 'a'],
      [b, a, 'b'],
    ] as const;
    for (const [self, other, side] of sides) {
      if (self.closed) {
        // Closed before the pipe was set up (a peer that hangs up right after the handshake
        // can close a socket between its connect and this call): it emits nothing more, so
        // what its events would have done is done now — a clean end ends the partner's
        // writing side, as a piped end would, and an error cuts it.
        if (self.errored) fail(side, other)(self.errored);
        else if (!other.destroyed) other.end();
        open -= 1;
        continue;
      }
      self.on('error', fail(side, other)).once('close', closed(self, other));
    }
    if (open === 0) resolve({ error, failedSide });
    // pipe() ends the destination when the source ends (the half-close) and stops reading
    // while the destination's buffer is full; it leaves errors to the handlers above.
    if (!a.closed) a.pipe(b);
    if (!b.closed) b.pipe(a);
  });
}

/** Ends `socket` at once because its partner failed: a reset for plain TCP, else a close. */
function cut(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket instanceof TLSSocket || !(socket instanceof Socket)) socket.destroy();
  else socket.resetAndDestroy();
}
