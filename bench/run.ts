// `npm run bench [-- --quick]`: runs every benchmark in bench/ one after the other (each
// in its own process, so one's memory does not weigh on the next) and lists the result
// files. Each benchmark prints its figures and writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const tsx = path.resolve(here, '../node_modules/.bin/tsx');

const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && f !== 'chart.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

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
// The README's scaling chart is drawn from whatever availability-scaling.json is there now.
spawnSync(tsx, [path.join(here, 'chart.ts')], { stdio: 'inherit', env: process.env });
console.log(
  `\nAll benchmarks finished in ${((Date.now() - started) / 1000).toFixed(1)} s; results in bench/results/.`,
);
if (failed.length) {
  console.error(`Failed: ${failed.join(', ')}`);
  process.exit(1);
}
