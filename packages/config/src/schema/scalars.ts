/**
 * Schemas for single values. YAML's core schema has already typed each scalar (`8001` is a
 * number, `80a` a string, `yes` a string), and these schemas accept only the type they name:
 * a quoted "8001" is not a port. Coercing would hide the mistakes people actually make.
 */
import { isScalar } from 'yaml';
import { formatDuration, parseDuration } from '../duration.ts';
import { suggestion } from '../suggest.ts';
import { describe, mismatch, type Schema, scalarValue, schema } from './schema.ts';

/** A rule on the text of a string, with the words that explain it when it is broken. */
export interface TextRule {
  readonly test: (text: string) => boolean;
  /** "a DNS label (lowercase letters, digits and '-')". */
  readonly expected: string;
}

export function string(rule?: TextRule): Schema<string> {
  const expected = rule?.expected ?? 'a string';
  return schema(expected, (node, at) => {
    const value = scalarValue(node);
    if (typeof value !== 'string') {
      // A number or boolean where text belongs is nearly always an unquoted value.
      if (isScalar(node) && value !== null && rule === undefined) {
        return at.error(node, `must be a string; quote it (got ${describe(node)})`);
      }
      return mismatch(node, at, expected);
    }
    if (rule !== undefined && !rule.test(value)) return mismatch(node, at, expected);
    return value;
  });
}

export const nonEmpty: TextRule = {
  test: (text) => text.trim() !== '',
  expected: 'a non-empty string',
};

function integerRange(min: number, max: number | undefined): string {
  if (max !== undefined) return `an integer from ${min} to ${max}`;
  return min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`;
}

export function int(min: number, max?: number): Schema<number> {
  const expected = integerRange(min, max);
  return schema(expected, (node, at) => {
    const value = scalarValue(node);
    const fits =
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= min &&
      (max === undefined || value <= max);
    return fits ? (value as number) : mismatch(node, at, expected);
  });
}

/** Any finite number in a range, fractions allowed (ratios, percentages). */
export function decimal(min: number, max?: number): Schema<number> {
  const expected =
    max === undefined ? `a number of at least ${min}` : `a number from ${min} to ${max}`;
  return schema(expected, (node, at) => {
    const value = scalarValue(node);
    const fits =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= min &&
      (max === undefined || value <= max);
    return fits ? (value as number) : mismatch(node, at, expected);
  });
}

export function bool(): Schema<boolean> {
  return schema('true or false', (node, at) => {
    const value = scalarValue(node);
    return typeof value === 'boolean' ? value : mismatch(node, at, 'true or false');
  });
}

/** One of a fixed set of strings; the message lists them all and guesses the intended one. */
export function oneOf<const V extends string>(values: readonly V[]): Schema<V> {
  const expected = `one of ${values.join(', ')}`;
  return schema(expected, (node, at) => {
    const value = scalarValue(node);
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) {
      return value as V;
    }
    const guess = typeof value === 'string' ? suggestion(value, values, '') : '';
    return mismatch(node, at, expected, guess.startsWith('; did') ? guess : '');
  });
}

/** A duration string converted to milliseconds, with optional bounds. */
export function duration(options: { min?: number; max?: number } = {}): Schema<number> {
  const min = options.min ?? 0;
  const max = options.max;
  const bounds =
    max !== undefined
      ? ` from ${formatDuration(min)} to ${formatDuration(max)}`
      : min > 0
        ? ` of at least ${formatDuration(min)}`
        : '';
  const expected = `a duration${bounds} such as 500ms, 2s, 5m or 1h30m`;
  return schema(expected, (node, at) => {
    const value = scalarValue(node);
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) {
      const hint = typeof value === 'number' ? '; add a unit (ms, s, m or h)' : '';
      return mismatch(node, at, expected, hint);
    }
    if (ms < min) return at.error(node, `must be at least ${formatDuration(min)}, got ${value}`);
    if (max !== undefined && ms > max) {
      return at.error(node, `must be at most ${formatDuration(max)}, got ${value}`);
    }
    return ms;
  });
}
