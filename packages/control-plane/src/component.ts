/**
 * What the control-plane program composes: identity today, destination and the public API
 * next. Each component starts itself, says whether it can serve, and stops; main and the admin
 * listener need nothing else from it.
 */

export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string };

export interface Component {
  /** Short and stable: prefixes readiness reasons and names the component in logs. */
  readonly name: string;
  ready(): Readiness;
  /** Stops accepting, lets in-flight work finish (briefly), releases ports and timers. */
  close(): Promise<void>;
}

/**
 * The program's readiness: every component ready and none still starting. The reason names
 * each component that is not, so `/ready` says what to look at.
 */
export function overallReadiness(
  components: readonly Component[],
  starting: readonly string[] = [],
): Readiness {
  const reasons = starting.map((name) => `${name}: starting`);
  for (const component of components) {
    const state = component.ready();
    if (!state.ready) reasons.push(`${component.name}: ${state.reason}`);
  }
  return reasons.length === 0 ? { ready: true } : { ready: false, reason: reasons.join('; ') };
}
