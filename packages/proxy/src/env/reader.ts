/**
 * Reads variables and collects what is wrong with them instead of stopping at the first, so
 * the startup report is complete. Messages follow identity-client's wording
 * (`VAR is not set: expected …`, `VAR is 'value': expected …`) because both end up in the
 * same report.
 */
import type { EnvProblem } from '@fusion/identity-client';

/** Turns the text into a value; undefined (or a throw, whose message says why) refuses it. */
export type Parse<T> = (text: string) => T | undefined;

export interface EnvReader {
  readonly problems: EnvProblem[];
  /** The trimmed value, or undefined when the variable is unset or blank. */
  value(variable: string): string | undefined;
  /** The parsed value; undefined when unset, or (with a problem recorded) when refused. */
  optional<T>(variable: string, expected: string, parse: Parse<T>): T | undefined;
  /** As optional, but an unset variable is a problem too. */
  required<T>(variable: string, expected: string, parse: Parse<T>): T | undefined;
}

/** Long values (a PEM bundle, a mistyped path) are cut so the report stays readable. */
const MAX_SHOWN = 120;

export function envReader(env: NodeJS.ProcessEnv): EnvReader {
  const problems: EnvProblem[] = [];
  const value = (variable: string) => env[variable]?.trim() || undefined;
  const optional = <T>(variable: string, expected: string, parse: Parse<T>) => {
    const text = value(variable);
    if (text === undefined) return undefined;
    let parsed: T | undefined;
    let why = '';
    try {
      parsed = parse(text);
    } catch (error) {
      why = ` (${(error as Error).message})`;
    }
    if (parsed === undefined) {
      problems.push({
        variable,
        message: `${variable} is ${shown(text)}${why}: expected ${expected}`,
      });
    }
    return parsed;
  };
  return {
    problems,
    value,
    optional,
    required(variable, expected, parse) {
      if (value(variable) === undefined) {
        problems.push({ variable, message: `${variable} is not set: expected ${expected}` });
        return undefined;
      }
      return optional(variable, expected, parse);
    },
  };
}

function shown(text: string): string {
  const cut = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
  return `'${cut.replace(/\n/g, '\\n')}'`;
}
