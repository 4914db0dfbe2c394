// Finds a Chromium for the browser tests: ROOST_CHROMIUM, Playwright's own download, the
// system's, or else the headless Chromium that the npm package @sparticuz/chromium ships (a
// devDependency), so `npm install && npm test` needs nothing from the system's package manager.
// Prints the path, or explains how to get one and exits 1.
import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export async function findChromium() {
  const candidates = [process.env.ROOST_CHROMIUM];
  try {
    const { chromium } = await import('playwright-core');
    candidates.push(chromium.executablePath());
  } catch {
    // playwright-core knows no downloaded browser here; try the system's.
  }
  candidates.push(...SYSTEM_CHROMIUMS);
  const found = candidates.find((p) => p && existsSync(p));
  if (found) return found;
  return npmChromium();
}

/**
 * The npm-shipped Chromium: the package unpacks its compressed binary (and the libraries it
 * needs) into the temporary folder on first use. Done once here, before any test runs, so
 * parallel test workers never race on the unpacking.
 */
async function npmChromium() {
  try {
    const { default: chromium } = await import('@sparticuz/chromium');
    const path = await chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export const HOW_TO_GET_CHROMIUM = [
  'No Chromium found for the browser tests.',
  'The devDependency @sparticuz/chromium brings one: run `npm install` (not --omit=dev). Or install:',
  '  - Debian/Ubuntu: sudo apt-get install -y chromium',
  '  - where downloads work: npx playwright install chromium',
  'or point ROOST_CHROMIUM at a Chrome/Chromium executable.',
].join('\n');

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = await findChromium();
  if (!found) {
    console.error(HOW_TO_GET_CHROMIUM);
    process.exit(1);
  }
  console.log(found);
}
