/**
 * The proxy is a stack of layers (linkerd2-proxy's shape). A layer wraps an inner handler once,
 * when a route or endpoint is built — never per request — and a disabled layer returns the
 * inner handler unchanged, so an unused feature costs nothing.
 */

/** Wraps an inner value (usually a handler) into an outer one. Called at build time. */
export type Layer<Inner, Outer = Inner> = (inner: Inner) => Outer;

export interface Stack<H> {
  /** Adds a layer around everything pushed so far: the last pushed sees the request first. */
  push<O>(layer: Layer<H, O>): Stack<O>;
  build(): H;
}

export function stack<H>(inner: H): Stack<H> {
  return {
    push: <O>(layer: Layer<H, O>) => stack(layer(inner)),
    build: () => inner,
  };
}
