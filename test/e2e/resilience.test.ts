/**
 * The seed's resilience policy under `fusion up`: identity at three replicas behind the
 * gateway → ai-kernel → identity chain, where ai-kernel's sidecar carries the seed's
 * `trafficPolicies` (3 retries, 2 s per try) and `circuitBreakers` (with failure accrual added
 * here). One identity replica's app is SIGKILLed under 200 rps: the retries (which avoid the
 * replica a try just failed on) and failure accrual keep the callers from seeing it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { steadyLoad, sumSamples } from './helpers/load.ts';
import { eventually, preparePlatform, type StatusJson } from './helpers/platform.ts';

describe('resilience under fusion up', () => {
  const platform = preparePlatform(7800, (text) =>
    text
      .replace(/( {2}identity:\n {4}port: \d+\n)/, '$1    replicas: 3\n')
      .replace(/( {6}maxRetries: 3\n)/, '$1      failureAccrual: { consecutiveFailures: 2 }\n'),
  );
  const whoami = `http://127.0.0.1:${platform.ports['api-gateway']}/v1/whoami`;
  let status: StatusJson;

  before(async () => {
    const up = await platform.fusion(['up', '--detach']);
    assert.equal(up.code, 0, `fusion up failed:\n${up.stdout}\n${up.stderr}`);
    status = await platform.status();
  });
  after(() => platform.cleanup());

  const kernelMetrics = async () => {
    const admin = status.components.find((c) => c.name === 'ai-kernel-proxy')!.sidecar!.admin;
    return (await fetch(`http://${admin}/metrics`)).text();
  };

  test('a replica SIGKILLed under 200 rps: ≤ 0.1 % of requests fail; failure accrual ejects it', async () => {
    const victim = status.components.find((c) => c.name === 'identity-1');
    assert.ok(victim?.pid, 'identity-1 runs');
    const load = steadyLoad({ url: whoami, rate: 200, durationMs: 10_000 });
    await eventually('two seconds of load', async () => {
      const text = await kernelMetrics();
      return sumSamples(text, 'request_total', ['direction="outbound"', 'dst_service="identity"']) >
        400
        ? true
        : undefined;
    });
    process.kill(victim.pid, 'SIGKILL');
    const outcome = await load;
    console.log(`# ${outcome.sent} sent, ${outcome.failures.length} failed`);
    assert.ok(
      outcome.failures.length <= outcome.sent / 1000,
      `${outcome.failures.length} failed:\n${outcome.failures.slice(0, 5).join('\n')}`,
    );
    const text = await kernelMetrics();
    const ejections = sumSamples(text, 'outbound_http_failure_accrual_ejections_total', [
      'parent_name="identity"',
    ]);
    const retries = sumSamples(text, 'outbound_http_route_retry_requests_total', [
      'parent_name="identity"',
    ]);
    console.log(`# ejections ${ejections}, retries ${retries}`);
    assert.ok(ejections >= 1, 'failure accrual took the replica out');
    await eventually('identity-1 to be back', async () => {
      const now = await platform.status();
      return now.components.find((c) => c.name === 'identity-1')?.state === 'ready'
        ? true
        : undefined;
    });
  });
});
