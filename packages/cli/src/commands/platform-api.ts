/**
 * Reaching the running platform's public API from the CLI: whether a platform runs for this
 * state directory (as `fusion status` decides it), where its control plane serves the API (the
 * last of its addresses, as the plan lists them), and the read of `GET /api/v1/config`. The CLI
 * talks to the control plane over HTTP only (DESIGN §7), never through its code.
 */
import type { ApiConfig } from '@fusion/mesh-types';
import { readState, runningSupervisor, type SupervisorState } from '../supervisor/index.ts';

export type PlatformApi =
  | { readonly running: false }
  | { readonly running: true; readonly base: string; readonly state: SupervisorState };

/** Thrown when the platform runs but its API does not answer as it should. */
export class ApiUnavailable extends Error {
  override readonly name = 'ApiUnavailable';
}

/** Default per request: loopback answers in milliseconds; a stuck control plane should not hang us. */
const REQUEST_TIMEOUT_MS = 2_000;

export function locatePlatformApi(stateDir: string): PlatformApi {
  const pid = runningSupervisor(stateDir);
  const state = readState(stateDir);
  if (!pid || !state || state.pid !== pid) return { running: false };
  const controlPlane = state.components.find((c) => c.name === 'control-plane');
  const address = controlPlane?.addresses.at(-1);
  if (!address) {
    throw new ApiUnavailable(
      'the running platform lists no control-plane address for its public API',
    );
  }
  return { running: true, base: `http://${address}`, state };
}

export async function fetchConfig(
  base: string,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ApiConfig> {
  const url = `${base}/api/v1/config`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new ApiUnavailable(
      `the control plane's public API at ${base} does not answer (${cause})`,
    );
  }
  const text = await response.text();
  if (response.status !== 200) {
    throw new ApiUnavailable(`GET ${url} answered ${response.status}: ${text.slice(0, 200)}`);
  }
  try {
    return JSON.parse(text) as ApiConfig;
  } catch {
    throw new ApiUnavailable(`GET ${url} answered with a body that is not JSON`);
  }
}
