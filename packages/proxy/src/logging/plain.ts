/**
 * Linkerd's `plain` log format, for a person at a terminal: the same events as the JSON lines,
 * rewritten as `time LEVEL service component: msg key=value…`. It sits behind the JSON logger
 * as its destination, so both formats carry exactly the same fields and levels.
 */

/** Where finished lines go: pino's DestinationStream has this shape. */
export interface LineSink {
  write(line: string): void;
}

/** Fields the line's head already shows. */
const HEAD = new Set(['time', 'level', 'service', 'component', 'msg']);

/** A sink that takes pino's JSON lines and writes them to `out` as plain lines. */
export function plainSink(out: LineSink): LineSink {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (line !== '') out.write(`${plainLine(line)}\n`);
      }
    },
  };
}

/** One JSON log line as one plain line; a line that is not JSON passes through unchanged. */
export function plainLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = String(event.level ?? '').toUpperCase();
  const where = [event.service, event.component].filter((p) => p !== undefined).join(' ');
  let text = `${event.time ?? ''} ${level.padStart(5)} ${where}: ${event.msg ?? ''}`;
  for (const [key, value] of Object.entries(event)) {
    if (!HEAD.has(key)) text += ` ${key}=${plainValue(value)}`;
  }
  return text;
}

function plainValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  // pino serialises errors as {type, message, stack}; a stack would break the one-line promise.
  if (isSerialisedError(value)) return JSON.stringify(`${value.type}: ${value.message}`);
  return JSON.stringify(value) ?? String(value);
}

function isSerialisedError(value: unknown): value is { type: string; message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { stack?: unknown }).stack === 'string'
  );
}
