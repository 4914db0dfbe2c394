import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import type { Database } from '../../src/db/database.js';
import { startRoost, type RunningRoost } from '../../src/roost.js';
import { systemClock } from '../../src/time/clock.js';
import { testConfig } from '../helpers/app.js';

/**
 * A real Roost, started as `npm start` starts it (src/roost.ts: the EM emulator, the
 * database with the demo company, the app and the phone scheduler), on free ports with
 * an in-memory database, and a headless Chromium (found by scripts/find-chromium.mjs,
 * passed as ROOST_CHROMIUM).
 */
export interface RoostUnderTest {
  url: string;
  app: FastifyInstance;
  db: Database;
  roost: RunningRoost;
  browser: Browser;
  close(): Promise<void>;
}

export async function startRoostWithBrowser(): Promise<RoostUnderTest> {
  const executablePath = process.env.ROOST_CHROMIUM;
  if (!executablePath)
    throw new Error('ROOST_CHROMIUM is not set: run the browser tests through `npm test`.');
  const config = Object.freeze({
    ...testConfig(),
    dataDir: 'memory://',
    port: 0,
    em: { ...testConfig().em, simPort: 0 },
    seedDemo: true,
    schedulerTickSeconds: 1,
  });
  const roost = await startRoost(config, { clock: systemClock, log: pino({ level: 'silent' }) });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  return {
    url: roost.url,
    app: roost.app,
    db: roost.db,
    roost,
    browser,
    close: async () => {
      await browser.close();
      await roost.close();
    },
  };
}

/** A page in its own browser context: its own cookies, like a separate person. */
export async function newPage(
  browser: Browser,
  options: { width?: number; height?: number } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  page.on('close', () => void context.close().catch(() => {}));
  return page;
}

export const DEMO = {
  employee: 'ada@roost.example',
  facilities: 'facilities@roost.example',
  admin: 'admin@roost.example',
  password: 'roost-demo',
};

export async function signIn(
  page: Page,
  baseUrl: string,
  email: string,
  password = DEMO.password,
): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}
