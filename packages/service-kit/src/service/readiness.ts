/** Runs readiness checks in parallel, each bounded by a deadline so /ready always answers. */

export interface ReadinessReport {
  readonly ready: boolean;
  /** Check name → `ok` or `error: <reason>`. */
  readonly checks: Record<string, string>;
}

export const READINESS_CHECK_TIMEOUT_MS = 2000;

export async function runReadinessChecks(
  checks: ReadonlyMap<string, () => unknown>,
  timeoutMs = READINESS_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const names = [...checks.keys()];
  const outcomes = await Promise.all(
    names.map((name) => withDeadline(checks.get(name)!, timeoutMs)),
  );
  const report: Record<string, string> = {};
  let ready = true;
  for (let i = 0; i < names.length; i++) {
    const outcome = outcomes[i]!;
    if (outcome !== 'ok') ready = false;
    report[names[i]!] = outcome;
  }
  return { ready, checks: report };
}

async function withDeadline(check: () => unknown, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(check), deadline]);
    return 'ok';
  } catch (error) {
    return `error: ${(error as Error).message || String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}
