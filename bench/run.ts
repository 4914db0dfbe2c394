// `npm run bench [-- --quick]`: runs every benchmark in bench/ one after the other (each
// in its own process, so one's memory does not weigh on the next) and lists the result
// files. Each benchmark prints its figures and writes bench/results/<name>.json, or with
// --quick bench/results/quick/<name>.json (git-ignored: a smoke run never replaces the
// reference figures). Each file records when, where and with which parameters it was made
// (bench/lib/results.ts); `npm run bench:readme` renders the README's tables from the full ones.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { resultsDir } from './lib/results.js';

const here = import.meta.dirname;
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const tsx = path.resolve(here, '../node_modules/.bin/tsx');

const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'chart.ts', 'readme.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const quick = flags.includes('--quick');
const out = path.relative(process.cwd(), resultsDir(quick));
const started = Date.now();
const failed: string[] = [];
for (const [i, name] of benches.entries()) {
  console.log(
    `\n[${i + 1}/${benches.length}] ${name} ${flags.join(' ')} (database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`,
  );
  const t0 = Date.now();
  const result = spawnSync(tsx, [path.join(here, `${name}.ts`), ...flags], {
    stdio: 'inherit',
    env: process.env,
  });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (result.status !== 0) failed.push(name);
  console.log(
    `[${i + 1}/${benches.length}] ${name} ${result.status === 0 ? 'done' : 'FAILED'} in ${seconds} s`,
  );
}
// The scaling chart is drawn from the availability-scaling figures in that folder now (chart.ts).
spawnSync(tsx, [path.join(here, 'chart.ts'), ...(quick ? ['--quick'] : [])], {
  stdio: 'inherit',
  env: process.env,
});
console.log(
  `\nAll benchmarks finished in ${((Date.now() - started) / 1000).toFixed(1)} s; results in ${out}/.` +
    (quick
      ? ' (quick: not the reference figures; the README is untouched)'
      : ' Run `npm run bench:readme` to update the README.'),
);
if (failed.length) {
  console.error(`Failed: ${failed.join(', ')}`);
  process.exit(1);
}
