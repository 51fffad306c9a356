/**
 * `fusion check`: the platform's health checks, in `linkerd check`'s style (√ ok, ‼ warning,
 * × failure with a hint): the configuration, the mesh PKI (parse, chain, key match, CA flags,
 * expiry), the identity service, the clock, and the alerts firing in Prometheus (a critical one
 * is a ×). Exit 1 on any ×.
 */
import { existsSync } from 'node:fs';
import type { FusionConfig } from '@fusion/mesh-types';
import { CONTROL_PLANE_NAMESPACE, parseCertificates, workloadIdentity } from '@fusion/pki';
import type { Command } from 'commander';
import { checkPki, pkiExists, pkiFiles, readText } from '../identity/index.ts';
import { probeIdentityService } from '../identity/probe-identity.ts';
import { type FiringAlert, firingAlerts, prometheusAddress } from '../observability/index.ts';
import { resolvePaths } from '../paths.ts';
import { loadConfigForCommand } from './shared.ts';

type Outcome = { status: 'ok' | 'warn' | 'fail'; text: string; hint?: string };

/** The identity service's clock may differ from ours by this much before we warn. */
const CLOCK_TOLERANCE_SECONDS = 5;

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'check the configuration, the mesh PKI, the identity service, the clock and firing alerts',
    )
    .action(async () => {
      const outcomes = await runChecks(program.opts());
      for (const o of outcomes) {
        const mark = o.status === 'ok' ? '√' : o.status === 'warn' ? '‼' : '×';
        console.log(`${mark} ${o.text}`);
        if (o.hint) console.log(`    ${o.hint}`);
      }
      const failed = outcomes.filter((o) => o.status === 'fail').length;
      const warned = outcomes.filter((o) => o.status === 'warn').length;
      console.log(
        `\nStatus check results are ${failed ? '×' : '√'} (${failed} failed, ${warned} warnings)`,
      );
      process.exitCode = failed ? 1 : 0;
    });
}

async function runChecks(options: { config?: string; stateDir?: string }): Promise<Outcome[]> {
  const paths = resolvePaths(options);
  const config = loadConfigForCommand(paths);
  if (!config) {
    return [
      {
        status: 'fail',
        text: `${paths.configFile} is valid`,
        hint: 'fix the errors printed above',
      },
    ];
  }
  const outcomes: Outcome[] = [{ status: 'ok', text: `${paths.configFile} is valid` }];
  const files = pkiFiles(paths.stateDir);
  if (!pkiExists(files)) {
    outcomes.push({
      status: 'fail',
      text: `mesh PKI exists in ${files.dir}`,
      hint: 'run `fusion identity init` (or `fusion up`)',
    });
    return outcomes;
  }

  const problems = await checkPki(files);
  const anchors = parseCertificates(readText(files.anchors));
  const [issuer] = parseCertificates(readText(files.issuerCert));
  if (problems.length === 0) {
    outcomes.push({
      status: 'ok',
      text: 'trust anchor and issuer parse, chain, match their keys and are CAs',
    });
    outcomes.push({
      status: 'ok',
      text: `issuer valid until ${issuer?.notAfter.toISOString()} (more than 60 days)`,
    });
  }
  for (const p of problems) {
    outcomes.push({
      status: p.severity === 'error' ? 'fail' : 'warn',
      text: p.message,
      hint: hintFor(p.code),
    });
  }
  if (!existsSync(files.tokenKey) || !existsSync(files.tokenPublicKey)) {
    outcomes.push({
      status: 'fail',
      text: 'workload token keys exist',
      hint: 'run `fusion identity init`',
    });
  }
  const earliest = Math.min(...anchors.map((a) => a.notBefore.getTime()));
  outcomes.push(
    Date.now() >= earliest
      ? { status: 'ok', text: 'the local clock is past the trust anchor’s start' }
      : {
          status: 'fail',
          text: 'the local clock is before the trust anchor’s start',
          hint: 'fix the system clock',
        },
  );

  const expected = workloadIdentity(
    'identity',
    CONTROL_PLANE_NAMESPACE,
    config.mesh.trustDomain,
  ).name;
  const address = `127.0.0.1:${config.controlPlane.identityPort}`;
  try {
    const probe = await probeIdentityService(address, expected, readText(files.anchors));
    outcomes.push({
      status: 'ok',
      text: `identity service reachable at ${address} as ${expected}`,
    });
    const offset = probe.clockOffsetSeconds;
    outcomes.push(
      Math.abs(offset) <= CLOCK_TOLERANCE_SECONDS
        ? { status: 'ok', text: `clocks agree with the identity service (offset ${offset} s)` }
        : {
            status: 'warn',
            text: `the identity service's clock is ${offset} s off ours`,
            hint: 'certificates may look not-yet-valid or expired; sync the clocks (NTP)',
          },
    );
  } catch (error) {
    outcomes.push({
      status: 'fail',
      text: `identity service reachable at ${address}: ${(error as Error).message}`,
      hint: 'is the platform running? `fusion status`; its log: .fusion/logs/control-plane.log',
    });
  }
  if (config.observability.prometheus.enabled) outcomes.push(...(await checkAlerts(config)));
  return outcomes;
}

/** Each alert firing in Prometheus: a critical one fails the check, any other warns. */
async function checkAlerts(config: FusionConfig): Promise<Outcome[]> {
  const address = prometheusAddress(config);
  let firing: FiringAlert[];
  try {
    firing = await firingAlerts(address);
  } catch (error) {
    return [
      {
        status: 'warn',
        text: `alerts not checked: Prometheus at ${address}: ${(error as Error).message}`,
        hint: 'it runs under `fusion up` when installed (apt-get install prometheus); `fusion status` shows it',
      },
    ];
  }
  if (firing.length === 0)
    return [{ status: 'ok', text: `no alerts firing in Prometheus at ${address}` }];
  return firing.map((alert) => ({
    status: alert.severity === 'critical' ? 'fail' : 'warn',
    text: `alert ${alert.name} (${alert.severity}) firing: ${alert.summary}`,
    hint: alert.runbook ?? `see http://${address}/alerts`,
  }));
}

function hintFor(code: string): string | undefined {
  if (code.startsWith('issuer-expir')) return 'run `fusion identity rotate-issuer`';
  if (code.startsWith('trust-anchor-expir'))
    return 'rotate the trust anchor: see docs/operations.md';
  if (code === 'issuer-key-mismatch' || code === 'issuer-not-chained') {
    return 'the issuer files do not belong together; reinstall them with `fusion identity init --issuer-cert … --issuer-key …`';
  }
  return undefined;
}
