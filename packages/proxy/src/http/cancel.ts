/**
 * A request's cancellation, set by a layer that may give up on it (a timeout) and heard by
 * whoever sends it, which stops and frees or resets its connection. Not an AbortSignal: each
 * request with a deadline gets one (two with a per-try timeout), and Node's EventTarget costs
 * several times this plain list of callbacks (bench pair --policy, docs/performance.md).
 */
import type { ProxyError } from '../errors/proxy-error.ts';

type Listener = (reason: ProxyError) => void;

const NOTHING_TO_REMOVE = () => {};

export class Cancel {
  #reason: ProxyError | undefined;
  #listeners: Listener[] | undefined;

  get cancelled(): boolean {
    return this.#reason !== undefined;
  }

  /** Why it was cancelled; undefined while it is not. */
  get reason(): ProxyError | undefined {
    return this.#reason;
  }

  /** Cancels, once: every listener is told, in the order they were added. */
  cancel(reason: ProxyError): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners) for (const listener of listeners) listener(reason);
  }

  /** Calls `listener` when cancelled (at once if it is already); returns what removes it. */
  onCancel(listener: Listener): () => void {
    if (this.#reason !== undefined) {
      listener(this.#reason);
      return NOTHING_TO_REMOVE;
    }
    const listeners = this.#listeners ?? [];
    this.#listeners = listeners;
    listeners.push(listener);
    return () => {
      const at = this.#listeners?.indexOf(listener) ?? -1;
      if (at !== -1) this.#listeners?.splice(at, 1);
    };
  }
}
