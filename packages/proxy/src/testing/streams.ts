/**
 * For tests that show bodies stream rather than buffer: a latch that lets one side wait for the
 * other (so ordering is enforced by the test, never by timing), and a known body written chunk
 * by chunk with backpressure and checked by digest.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** One chunk of a test body. */
export const CHUNK = Buffer.alloc(64 * 1024, 'mesh-');

/** A promise the test opens: one side waits on `opened`, the other calls `open()`. */
export function latch(): { readonly opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Writes `count` CHUNKs, waiting whenever the stream asks the writer to (backpressure). */
export async function writeChunks(
  stream: Writable,
  count: number,
  written = { bytes: 0 },
): Promise<void> {
  for (let i = 0; i < count; i++) {
    written.bytes += CHUNK.length;
    if (!stream.write(CHUNK)) await once(stream, 'drain');
  }
}

/** The sha256 of `count` CHUNKs, to compare with what arrived. */
export function digestOfChunks(count: number): string {
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) hash.update(CHUNK);
  return hash.digest('hex');
}
