/**
 * Power of two choices: pick two distinct candidates at random and keep the cheaper. Nearly as
 * good as always taking the least loaded, without looking at them all, and without the herd
 * that "least loaded" causes when every client sees the same stale numbers (Mitzenmacher).
 */

/**
 * The cheaper of two distinct random picks among `candidates` (one: it; none: undefined).
 * Ties go to the first pick, which is itself random.
 */
export function pickP2c<T>(
  candidates: readonly T[],
  cost: (candidate: T) => number,
  random: () => number,
): T | undefined {
  const n = candidates.length;
  if (n < 2) return candidates[0];
  const i = Math.floor(random() * n);
  // A second index among the other n-1, shifted past i, so the two are always distinct.
  let j = Math.floor(random() * (n - 1));
  if (j >= i) j += 1;
  const a = candidates[i] as T;
  const b = candidates[j] as T;
  return cost(b) < cost(a) ? b : a;
}
