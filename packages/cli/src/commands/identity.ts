/**
 * `fusion identity …`: create the mesh PKI (or install your own), rotate the issuer or the trust
 * anchor, and write workload tokens for hosts `fusion up` does not start.
 */
import { writeFileSync } from 'node:fs';
import { parseDuration } from '@fusion/config';
import {
  importTokenSigningKey,
  mintWorkloadToken,
  type PkiProblem,
  workloadIdentity,
} from '@fusion/pki';
import type { Command } from 'commander';
import {
  beginAnchorRotation,
  ensurePki,
  finishAnchorRotation,
  type PkiFiles,
  pkiFiles,
  readText,
  rotateIssuer,
} from '../identity/index.ts';
import { resolvePaths } from '../paths.ts';
import { loadConfigForCommand } from './shared.ts';

export function registerIdentity(program: Command): void {
  const identity = program
    .command('identity')
    .description('the mesh PKI: trust anchor, issuer, workload tokens');
  const context = () => {
    const paths = resolvePaths(program.opts());
    const config = loadConfigForCommand(paths);
    return config && { config, files: pkiFiles(paths.stateDir) };
  };

  identity
    .command('init')
    .description(
      'create the trust anchor, issuer and token keys under .fusion/pki (fusion up does this the first time)',
    )
    .option('--trust-anchor <file>', 'use your own trust anchor bundle (PEM)')
    .option(
      '--issuer-cert <file>',
      'use your own issuer certificate (PEM), signed by the trust anchor',
    )
    .option('--issuer-key <file>', 'the private key of --issuer-cert (PEM)')
    .action(async (options: { trustAnchor?: string; issuerCert?: string; issuerKey?: string }) => {
      const ctx = context();
      if (!ctx) return void (process.exitCode = 1);
      const given = [options.trustAnchor, options.issuerCert, options.issuerKey].filter(
        Boolean,
      ).length;
      if (given !== 0 && given !== 3) {
        console.error(
          'fusion identity init: --trust-anchor, --issuer-cert and --issuer-key go together',
        );
        return void (process.exitCode = 1);
      }
      const bring = given === 3 ? (options as Required<typeof options>) : undefined;
      const report = await ensurePki(ctx.files, ctx.config.mesh.trustDomain, bring);
      process.exitCode = printProblems(report.problems) ? 1 : 0;
      if (process.exitCode === 0) {
        console.log(`${report.created ? 'created' : 'kept the existing'} PKI in ${ctx.files.dir}`);
      }
    });

  identity
    .command('rotate-issuer')
    .description(
      'issue a new issuer under the current trust anchor; the identity service switches without a restart',
    )
    .action(async () => {
      const ctx = context();
      if (!ctx) return void (process.exitCode = 1);
      const issuer = await rotateIssuer(ctx.files, ctx.config.mesh.trustDomain);
      console.log(
        `new issuer ${issuer.cert.serialNumber}, valid until ${issuer.cert.notAfter.toISOString()}`,
      );
      console.log(
        'the identity service loads it within a second; workloads get leaves from it at their next renewal',
      );
    });

  identity
    .command('rotate-anchor')
    .description(
      'replace the trust anchor in steps, trusting old and new together meanwhile (see docs/operations.md)',
    )
    .option('--finish', 'last step: stop trusting the old anchor')
    .action(async (options: { finish?: boolean }) => {
      const ctx = context();
      if (!ctx) return void (process.exitCode = 1);
      try {
        if (options.finish) {
          await finishAnchorRotation(ctx.files);
          console.log(
            `${ctx.files.anchors} now holds only the new anchor. Restart workloads so they drop the old one.`,
          );
        } else {
          const anchor = await beginAnchorRotation(ctx.files, ctx.config.mesh.trustDomain);
          printNextSteps(ctx.files, anchor.cert.serialNumber);
        }
      } catch (error) {
        console.error(`fusion identity rotate-anchor: ${(error as Error).message}`);
        process.exitCode = 1;
      }
    });

  identity
    .command('token')
    .description(
      'write a workload token, for a workload on a host fusion up does not start (e.g. a container)',
    )
    .argument('<service>', 'the service the workload runs')
    .option('--ttl <duration>', 'how long the token is valid', '24h')
    .option('-o, --out <file>', 'write it to this file (mode 0600) instead of printing it')
    .action(async (service: string, options: { ttl: string; out?: string }) => {
      const ctx = context();
      if (!ctx) return void (process.exitCode = 1);
      const ttlMs = parseDuration(options.ttl);
      if (ttlMs === undefined) {
        console.error(
          `fusion identity token: --ttl '${options.ttl}' is not a duration (e.g. 24h, 30m)`,
        );
        return void (process.exitCode = 1);
      }
      if (!ctx.config.services[service]) {
        console.error(`fusion identity token: no service '${service}' in fusion.yaml`);
        return void (process.exitCode = 1);
      }
      const { name } = workloadIdentity(
        service,
        ctx.config.mesh.namespace,
        ctx.config.mesh.trustDomain,
      );
      const key = await importTokenSigningKey(readText(ctx.files.tokenKey));
      const token = await mintWorkloadToken(key, { identity: name, ttlMs });
      if (options.out) writeFileSync(options.out, `${token}\n`, { mode: 0o600 });
      else console.log(token);
    });
}

/** Prints problems; true when any is an error. */
export function printProblems(problems: readonly PkiProblem[]): boolean {
  for (const p of problems) console.error(`${p.severity}: ${p.message} [${p.code}]`);
  return problems.some((p) => p.severity === 'error');
}

function printNextSteps(files: PkiFiles, serial: string): void {
  console.log(`new trust anchor ${serial}; ${files.anchors} now holds the new and the old anchor.`);
  console.log('Next steps:');
  console.log(
    '  1. restart every workload (fusion down && fusion up) so all of them trust both anchors',
  );
  console.log('  2. fusion identity rotate-issuer       (an issuer under the new anchor)');
  console.log('  3. wait until every workload has renewed its certificate (or restart them again)');
  console.log('  4. fusion identity rotate-anchor --finish');
}
