/**
 * "Did you mean …?" for misspelt keys, enum values and service names. A suggestion is only
 * worth showing when it is probably right, so the bar is a couple of typos or a long shared
 * beginning (`trafficPolicy` → `trafficPolicies` is three edits apart but obviously meant).
 */

/** Optimal-string-alignment distance: Levenshtein plus swaps of neighbouring letters. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const above = d[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

function sharedPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** The candidate the user most likely meant, or undefined when none is close enough. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const typed = input.toLowerCase();
  // Short words are all within two edits of each other; demand more similarity there.
  const maxEdits = typed.length <= 3 ? 1 : 2;
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const wanted = candidate.toLowerCase();
    const edits = editDistance(typed, wanted);
    const shared = sharedPrefixLength(typed, wanted);
    const shorter = Math.min(typed.length, wanted.length);
    const prefixMatch = shared >= 4 && shared >= shorter * 0.6;
    if (edits > maxEdits && !prefixMatch) continue;
    // Fewer edits wins; a long shared beginning breaks ties and ranks prefix-only matches.
    const score = edits * 100 - shared;
    if (best === undefined || score < best.score) best = { candidate, score };
  }
  return best?.candidate;
}

/** `; did you mean 'dependsOn'?`, or the whole list when nothing is close. */
export function suggestion(
  input: string,
  candidates: readonly string[],
  listLabel = 'valid keys',
): string {
  const guess = closest(input, candidates);
  if (guess !== undefined) return `; did you mean '${guess}'?`;
  if (candidates.length === 0) return '';
  return `; ${listLabel}: ${candidates.join(', ')}`;
}
