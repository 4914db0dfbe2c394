// Finds a Chromium for the browser tests: ROOST_CHROMIUM, Playwright's own download,
// or the system's. Prints the path, or explains how to get one and exits 1.
import { existsSync } from 'node:fs';

export async function findChromium() {
  const candidates = [process.env.ROOST_CHROMIUM];
  try {
    const { chromium } = await import('playwright-core');
    candidates.push(chromium.executablePath());
  } catch {
    // playwright-core knows no downloaded browser here; try the system's.
  }
  candidates.push(
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  );
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

export const HOW_TO_GET_CHROMIUM = [
  'No Chromium found for the browser tests.',
  'Install one of:',
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
