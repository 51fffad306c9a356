/**
 * Durations as people write them in fusion.yaml (`500ms`, `2s`, `1.5s`, `1h30m`), the same
 * spelling Go and Istio use, converted to milliseconds. A bare number is refused on purpose:
 * `timeout: 30` could mean seconds or milliseconds, and guessing wrong fails silently.
 */

const MS_PER_UNIT: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * MS_PER_UNIT[unit!]!;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** The shortest exact spelling of a duration, for messages: 90000 → `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['h', 'm', 's'] as const) {
    const size = MS_PER_UNIT[unit]!;
    const whole = Math.floor(rest / size);
    if (whole > 0) parts.push(`${whole}${unit}`);
    rest -= whole * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
