/**
 * The alerts Prometheus has firing, for `fusion check`: read from its HTTP API
 * (`/api/v1/alerts`), so they are exactly what its UI shows.
 */

export interface FiringAlert {
  readonly name: string;
  readonly severity: string;
  readonly summary: string;
  /** What the rule suggests doing first, when it says. */
  readonly runbook?: string;
}

interface AlertsBody {
  readonly status?: string;
  readonly data?: {
    readonly alerts?: readonly {
      readonly labels?: Record<string, string>;
      readonly annotations?: Record<string, string>;
      readonly state?: string;
    }[];
  };
}

/** Firing alerts at Prometheus on `address` (`host:port`); throws saying why it could not ask. */
export async function firingAlerts(address: string, timeoutMs = 2000): Promise<FiringAlert[]> {
  const response = await fetch(`http://${address}/api/v1/alerts`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`GET /api/v1/alerts answered ${response.status}`);
  const body = (await response.json()) as AlertsBody;
  if (body.status !== 'success') throw new Error(`GET /api/v1/alerts: status ${body.status}`);
  return (body.data?.alerts ?? [])
    .filter((a) => a.state === 'firing')
    .map((a) => {
      const labels = a.labels ?? {};
      const runbook = a.annotations?.runbook;
      return {
        name: labels.alertname ?? 'unnamed',
        severity: labels.severity ?? 'none',
        summary: a.annotations?.summary ?? JSON.stringify(labels),
        ...(runbook && { runbook }),
      };
    });
}
