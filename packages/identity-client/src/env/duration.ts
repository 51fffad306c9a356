/**
 * Durations as the Linkerd proxy reads them from its environment (`10s`, `24h`, `500ms`): one
 * whole number and a unit. A bare number is refused (only `0` needs no unit), because
 * `LINKERD2_PROXY_IDENTITY_MIN_REFRESH=10` could mean seconds or milliseconds and a wrong guess
 * would fail silently, hours later, at renewal time.
 */

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const DURATION = /^\s*(\d+)(ms|s|m|h|d)?\s*$/;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseEnvDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2];
  if (unit === undefined) return amount === 0 ? 0 : undefined;
  const ms = amount * MS_PER_UNIT[unit]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}
