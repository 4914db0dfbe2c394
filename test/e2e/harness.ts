import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { seedDemo } from '../../src/db/seed.js';
import { systemClock } from '../../src/time/clock.js';
import { testConfig } from '../helpers/app.js';

/**
 * A real Roost on a free port with the demo company in an in-memory database, and a
 * headless Chromium (found by scripts/find-chromium.mjs, passed as ROOST_CHROMIUM).
 */
export interface RoostUnderTest {
  url: string;
  app: FastifyInstance;
  db: Database;
  browser: Browser;
  close(): Promise<void>;
}

export async function startRoostWithBrowser(): Promise<RoostUnderTest> {
  const executablePath = process.env.ROOST_CHROMIUM;
  if (!executablePath)
    throw new Error('ROOST_CHROMIUM is not set: run the browser tests through `npm test`.');
  const db = await openDatabase({ dataDir: 'memory://' });
  await applyMigrations(db.adapterFactory);
  await seedDemo(db.prisma, {
    clock: systemClock,
    withUsers: true,
    emCluster: {
      serviceUrl: 'http://127.0.0.1:9',
      appUser: 'roost-em',
      secretRef: 'env:ROOST_EM_APP_PASSWORD',
      maxConcurrentRequests: 5,
      apiProfile: '4.1',
    },
  });
  const app = await buildApp({ config: testConfig(), db, clock: systemClock, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
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
    url,
    app,
    db,
    browser,
    close: async () => {
      await browser.close();
      await app.close();
      await db.close();
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
  page.on('close', () => void context.close());
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
