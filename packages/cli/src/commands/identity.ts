/**
 * `fusion identity …`: create the mesh PKI (or install your own), rotate the issuer or the trust
 * anchor, and write workload tokens for hosts `fusion up` does not start.
 */
import { writeFileSync } from 'node:fs';
import { parseDuration } from '@fusion/config';
import type { FusionConfig } from '@fusion/mesh-types';
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

interface Context {
  readonly config: FusionConfig;
  readonly files: PkiFiles;
}

interface InitOptions {
  readonly trustAnchor?: string;
  readonly issuerCert?: string;
  readonly issuerKey?: string;
}

export function registerIdentity(program: Command): void {
  const identity = program
    .command('identity')
    .description('the mesh PKI: trust anchor, issuer, workload tokens');
  /** Runs an action with fusion.yaml loaded; its result is the exit code. */
  const withContext =
    <A extends unknown[]>(action: (ctx: Context, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      const paths = resolvePaths(program.opts());
      const config = loadConfigForCommand(paths);
      process.exitCode = config
        ? await action({ config, files: pkiFiles(paths.stateDir) }, ...args)
        : 1;
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
    .action(withContext(init));

  identity
    .command('rotate-issuer')
    .description(
      'issue a new issuer under the current trust anchor; the identity service switches without a restart',
    )
    .action(
      withContext(async ({ config, files }) => {
        const issuer = await rotateIssuer(files, config.mesh.trustDomain);
        console.log(
          `new issuer ${issuer.cert.serialNumber}, valid until ${issuer.cert.notAfter.toISOString()}`,
        );
        console.log(
          'the identity service loads it within a second; workloads get leaves from it at their next renewal',
        );
        return 0;
      }),
    );

  identity
    .command('rotate-anchor')
    .description(
      'replace the trust anchor in steps, trusting old and new together meanwhile (see docs/operations.md)',
    )
    .option('--finish', 'last step: stop trusting the old anchor')
    .action(withContext(rotateAnchor));

  identity
    .command('token')
    .description(
      'write a workload token, for a workload on a host fusion up does not start (e.g. a container)',
    )
    .argument('<service>', 'the service the workload runs')
    .option('--ttl <duration>', 'how long the token is valid', '24h')
    .option('-o, --out <file>', 'write it to this file (mode 0600) instead of printing it')
    .action(withContext(token));
}

async function init({ config, files }: Context, options: InitOptions): Promise<number> {
  const given = [options.trustAnchor, options.issuerCert, options.issuerKey].filter(Boolean).length;
  if (given !== 0 && given !== 3) {
    console.error(
      'fusion identity init: --trust-anchor, --issuer-cert and --issuer-key go together',
    );
    return 1;
  }
  const bring = given === 3 ? (options as Required<InitOptions>) : undefined;
  const report = await ensurePki(files, config.mesh.trustDomain, bring);
  if (printProblems(report.problems)) return 1;
  console.log(`${report.created ? 'created' : 'kept the existing'} PKI in ${files.dir}`);
  return 0;
}

async function rotateAnchor(
  { config, files }: Context,
  options: { finish?: boolean },
): Promise<number> {
  try {
    if (options.finish) {
      await finishAnchorRotation(files);
      console.log(
        `${files.anchors} now holds only the new anchor. Restart workloads so they drop the old one.`,
      );
    } else {
      const anchor = await beginAnchorRotation(files, config.mesh.trustDomain);
      printNextSteps(files, anchor.cert.serialNumber);
    }
    return 0;
  } catch (error) {
    console.error(`fusion identity rotate-anchor: ${(error as Error).message}`);
    return 1;
  }
}

async function token(
  { config, files }: Context,
  service: string,
  options: { ttl: string; out?: string },
): Promise<number> {
  const ttlMs = parseDuration(options.ttl);
  if (ttlMs === undefined) {
    console.error(
      `fusion identity token: --ttl '${options.ttl}' is not a duration (e.g. 24h, 30m)`,
    );
    return 1;
  }
  if (!config.services[service]) {
    console.error(`fusion identity token: no service '${service}' in fusion.yaml`);
    return 1;
  }
  const { name } = workloadIdentity(service, config.mesh.namespace, config.mesh.trustDomain);
  const key = await importTokenSigningKey(readText(files.tokenKey));
  const text = await mintWorkloadToken(key, { identity: name, ttlMs });
  if (options.out) writeFileSync(options.out, `${text}\n`, { mode: 0o600 });
  else console.log(text);
  return 0;
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
