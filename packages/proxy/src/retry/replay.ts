/**
 * A request body that can be sent more than once, as Linkerd's ReplayBody: the first try streams
 * the original as it arrives while a copy of it is kept, up to `capBytes` (64 KiB, Linkerd's
 * cap). A later try gets the copy, then whatever of the original is still to come. A body that
 * grows past the cap is still sent once, streamed, but no later try can have it.
 *
 * The original is read only when a try's body is read (an upstream that was never reached never
 * asked for it), and keeps being read into the copy when a try gives up on its body early, so a
 * retry after a connection failure still has every byte.
 */
import { Body } from '../http/body.ts';

/** Linkerd's `max_request_bytes` for retries. */
export const MAX_REPLAY_BYTES = 64 * 1024;

export class ReplayableBody {
  readonly #original: Body;
  readonly #capBytes: number;
  #kept: Buffer[] = [];
  #keptBytes = 0;
  #tooLarge = false;
  #ended = false;
  #error: Error | undefined;
  #reading = false;
  /** The try's body the original's next chunks go to, if any still wants them. */
  #live: Body | undefined;

  constructor(original: Body, capBytes = MAX_REPLAY_BYTES) {
    this.#original = original;
    this.#capBytes = capBytes;
  }

  /** Whether another try can still be given the whole body. */
  get replayable(): boolean {
    return !this.#tooLarge && this.#error === undefined;
  }

  /** The body for the next try; undefined when it can no longer be replayed. */
  next(): Body | undefined {
    if (!this.replayable) return undefined;
    const body: Body = new Body({
      start: () => this.#read(),
      pull: () => this.#original.resume(),
      cancel: () => {
        if (this.#live !== body) return;
        this.#live = undefined;
        // The original may be paused for this try: the rest is still wanted, for the copy.
        this.#original.resume();
      },
    });
    for (const chunk of this.#kept) body.push(chunk);
    if (this.#ended) body.end();
    else {
      this.#live = body;
      // An earlier try may have left the original paused without cancelling its body.
      this.#original.resume();
    }
    return body;
  }

  #read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#original.read({
      onData: (chunk) => {
        this.#keep(chunk);
        const live = this.#live;
        if (live) return live.push(chunk);
        // Nobody is sending it now: only the copy wants it, and only while it may be replayed.
        if (this.#tooLarge) this.#original.cancel(new Error('the request body outgrew its retry'));
        return true;
      },
      onEnd: () => {
        this.#ended = true;
        this.#live?.end();
      },
      onError: (error) => {
        this.#error = error;
        this.#live?.fail(error);
      },
    });
  }

  #keep(chunk: Buffer): void {
    if (this.#tooLarge) return;
    this.#keptBytes += chunk.length;
    if (this.#keptBytes > this.#capBytes) {
      this.#tooLarge = true;
      this.#kept = [];
      return;
    }
    this.#kept.push(chunk);
  }
}
