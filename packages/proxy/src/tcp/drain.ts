/**
 * The connections an opaque listener has open, so that closing it drains instead of cutting:
 * a TCP stream has no request boundary to wait for, so each gets a grace period to finish on its
 * own (a client closing its pool, a transfer completing) and is destroyed after it.
 */
import type { Socket } from 'node:net';

export class OpenConnections {
  readonly #open = new Set<Socket>();
  #empty: (() => void) | undefined;

  get size(): number {
    return this.#open.size;
  }

  add(socket: Socket): void {
    this.#open.add(socket);
    socket.once('close', () => {
      this.#open.delete(socket);
      if (this.#open.size === 0) this.#empty?.();
    });
  }

  /** Resolves once every connection has closed, destroying those left after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    if (this.#open.size === 0) return;
    const empty = new Promise<void>((resolve) => {
      this.#empty = resolve;
    });
    const cut = setTimeout(() => {
      for (const socket of this.#open) socket.destroy();
    }, graceMs);
    await empty;
    clearTimeout(cut);
  }
}
