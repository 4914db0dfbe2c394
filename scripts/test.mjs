// `npm test`: every suite. Unit and integration tests first (PGlite always, PostgreSQL
// too when TEST_DATABASE_URL is set), then the browser tests in a real Chromium.
// Extra arguments go to Vitest (e.g. `npm test -- test/booking`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HOW_TO_GET_CHROMIUM, findChromium } from './find-chromium.mjs';

const args = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
const reportDir = mkdtempSync(path.join(tmpdir(), 'roost-test-'));

/** Runs Vitest and adds its counts to the totals (read from its JSON report). */
function vitest(extra, env = {}) {
  const report = path.join(reportDir, `report-${Object.keys(totals).length}-${Date.now()}.json`);
  const status =
    spawnSync(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
        ...extra,
      ],
      { stdio: 'inherit', env: { ...process.env, ...env } },
    ).status ?? 1;
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests ?? 0;
    totals.failed += r.numFailedTests ?? 0;
    totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } else if (status !== 0) {
    totals.failed += 1;
  }
  return status;
}

const onlyBrowser = args.includes('--browser');
const skipBrowser = args.includes('--no-browser');
const rest = args.filter((a) => a !== '--browser' && a !== '--no-browser');

let status = 0;
if (!onlyBrowser) status = vitest(rest);
if (!skipBrowser && (rest.length === 0 || onlyBrowser)) {
  const chromium = await findChromium();
  if (!chromium) {
    console.error(`\n${HOW_TO_GET_CHROMIUM}`);
    process.exit(1);
  }
  const e2e = vitest(['--config', 'vitest.e2e.config.ts', ...rest], { ROOST_CHROMIUM: chromium });
  status = status || e2e;
}
// One plain closing line for CI: the totals of every suite that ran.
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status);
