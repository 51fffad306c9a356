/**
 * Paths into fusion.yaml, written the way diagnostics write them
 * (`trafficPolicies[0].policy.retries`). The compiler knows no positions, only paths; the
 * validator turns a path back into the node it names, for a line and column.
 */

export type Path = readonly (string | number)[];

export function formatPath(path: Path): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? step : `.${step}`;
  }
  return text;
}

/** The inverse of formatPath, for the keys fusion.yaml's policy blocks use (no dots in them). */
export function parsePath(text: string): Path {
  const steps: (string | number)[] = [];
  for (const [, key, index] of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    steps.push(index === undefined ? key! : Number(index));
  }
  return steps;
}
