/**
 * `npm run bench -- <scenario> [--seconds N] [--smoke]`: runs a benchmark, prints its table and
 * writes JSON + Markdown under bench/results/. Benchmarks report figures; they fail only when
 * they cannot run at all.
 */
import { parseArgs } from 'node:util';
import { runFacts } from './machine.ts';
import { markdown, saveResults } from './report.ts';
import { runIdentity } from './scenarios/identity.ts';

const USAGE = `usage: npm run bench -- <scenario> [options]

scenarios:
  identity     certificates issued per second: key + CSR + Certify round trip, end to end

options:
  --seconds N  seconds per measurement (default 5)
  --smoke      a short run that only shows the scenario works (1 s per measurement)
  --profile    write CPU profiles of the server under test to bench/results/profiles/
  -h, --help   this text`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const scenario = positionals[0];
if (values.help || !scenario) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
const seconds = values.smoke ? 1 : Number(values.seconds ?? 5);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`bench: --seconds '${values.seconds}' is not a positive number`);
  process.exit(2);
}

function profileDir(): string {
  const dir = new URL('../results/profiles/', import.meta.url).pathname;
  console.log(`CPU profiles go to ${dir} (open them in Chrome DevTools or speedscope)`);
  return dir;
}

const facts = runFacts();
switch (scenario) {
  case 'identity': {
    const { rows, table } = await runIdentity({
      seconds,
      concurrency: values.smoke ? [1, 4] : [1, 2, 4, 8],
      ...(values.profile ? { profileDir: profileDir() } : {}),
    });
    console.log(markdown(facts, table));
    console.log(`results: ${saveResults('identity', facts, table, rows)}.{json,md}`);
    if (rows.every((r) => r.issued === 0)) {
      console.error('bench identity: no certificate was issued at all');
      process.exit(1);
    }
    break;
  }
  default:
    console.error(`bench: unknown scenario '${scenario}'\n\n${USAGE}`);
    process.exit(2);
}
