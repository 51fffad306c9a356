/**
 * Client spans for SQL (OTel database conventions): one per query made inside a sampled request,
 * named after the statement's verb and carrying its text. Only the text: parameter values ($1…)
 * are never recorded, they may be anyone's data. Outside a request, or inside one that is not
 * sampled, a query costs one lookup: a query span is never a trace of its own.
 */
import type { Tracer } from '@fusion/telemetry';
import { currentSpanContext } from '../tracing/index.ts';

/** Longest `db.statement` recorded; a batch of migrations need not travel with every span. */
export const STATEMENT_LIMIT = 200;

export function traceQuery<T>(
  tracer: Tracer | undefined,
  text: string,
  run: () => Promise<T>,
): Promise<T> {
  const parent = tracer === undefined ? undefined : currentSpanContext();
  if (tracer === undefined || parent === undefined || !parent.sampled) return run();
  const span = tracer.startSpan(verbOf(text), 'client', parent, {
    'db.system': 'postgresql',
    'db.statement': statementOf(text),
  });
  return run().then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      span.end(error instanceof Error ? error.message : String(error));
      throw error;
    },
  );
}

/** `SELECT`, `INSERT`, …: the span's name, low in cardinality unlike the text. */
export function verbOf(text: string): string {
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'db.query';
}

/** The text on one line, cut at STATEMENT_LIMIT characters. */
export function statementOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > STATEMENT_LIMIT ? `${line.slice(0, STATEMENT_LIMIT - 1)}…` : line;
}
