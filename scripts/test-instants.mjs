// `npm run test:instants`: the browser suite at each of the instants in test/e2e/harness.ts
// (a weekday morning in Berlin, a Saturday night, the Berlin DST change day), one after the
// other, so "passes at any date and hour" is shown, not assumed. `npm test` runs the suite at
// the first of them; the clock check in test/clock-discipline.test.ts keeps the machine's
// clock out of every test, so the other instants differ only in the data and pages they see.
// Extra arguments go to Vitest (e.g. a test file).
import { spawnSync } from 'node:child_process';

const INSTANTS = ['weekday-morning', 'saturday-night', 'dst-day'];
const results = [];
for (const at of INSTANTS) {
  console.log(`\n=== browser suite at ${at} ===`);
  const { status } = spawnSync(
    process.execPath,
    ['scripts/test.mjs', '--browser', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
      env: { ...process.env, ROOST_E2E_AT: at },
    },
  );
  results.push([at, status ?? 1]);
}
console.log('');
for (const [at, status] of results) console.log(`${at}: ${status === 0 ? 'passed' : 'FAILED'}`);
process.exit(results.some(([, s]) => s !== 0) ? 1 : 0);
