import type { FastifyInstance } from 'fastify';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pino } from 'pino';
import type { Database } from '../../src/db/database.js';
import type { Config } from '../../src/config.js';
import { startRoost, type RunningRoost } from '../../src/roost.js';
import { createRunningClock, type Clock } from '../../src/time/clock.js';
import { testConfig } from '../helpers/app.js';

/**
 * The instants the browser suite runs at: whatever the date and hour when CI runs, Roost, its
 * demo data, the EM emulator and the browser all start at one of these, so a page never
 * differs because of when the suite happens to run. `ROOST_E2E_AT` picks one by name (or any
 * ISO 8601 instant with a zone); `npm test` uses the weekday morning, and
 * `npm run test:instants` runs the browser suite at each of the three.
 */
export const E2E_INSTANTS = {
  /** Wednesday 2 December 2026, 08:14 in Berlin: people arrive, phones log in. */
  'weekday-morning': '2026-12-02T07:14:00Z',
  /** Saturday 5 December 2026, 22:30 in Berlin (16:30 in New York): the offices are closed. */
  'saturday-night': '2026-12-05T21:30:00Z',
  /** Sunday 28 March 2027, 01:45 in Berlin: at 02:00 the clocks go forward to 03:00. */
  'dst-day': '2027-03-28T00:45:00Z',
} as const;

export type E2eInstantName = keyof typeof E2E_INSTANTS;

/** The instant this run uses, from ROOST_E2E_AT. */
export function e2eInstant(value = process.env.ROOST_E2E_AT): Date {
  const name = (value ?? 'weekday-morning') as E2eInstantName;
  const iso = E2E_INSTANTS[name] ?? value;
  const at = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? new Date(iso) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new Error(
      `ROOST_E2E_AT must be one of ${Object.keys(E2E_INSTANTS).join(', ')} or an ISO 8601 instant with a zone, not "${value}".`,
    );
  return at;
}

/**
 * A real Roost, started as `npm start` starts it (src/roost.ts: the EM emulator, the
 * database with the demo company, the app and the phone scheduler), on free ports with
 * an in-memory database, and a headless Chromium (found by scripts/find-chromium.mjs,
 * passed as ROOST_CHROMIUM). Its clock starts at the run's instant and runs at real speed;
 * every page's browser clock starts where Roost's stands.
 */
export interface RoostUnderTest {
  url: string;
  app: FastifyInstance;
  db: Database;
  roost: RunningRoost;
  browser: Browser;
  clock: Clock;
  close(): Promise<void>;
}

export async function startRoostWithBrowser(
  options: { at?: Date; /** e.g. another host and ROOST_PUBLIC_URL */ config?: Partial<Config> } = {},
): Promise<RoostUnderTest> {
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
    ...options.config,
  });
  const clock = createRunningClock(options.at ?? e2eInstant());
  const roost = await startRoost(config, { clock, log: pino({ level: 'silent' }) });
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
    url: options.config?.publicUrl ?? roost.url,
    app: roost.app,
    db: roost.db,
    roost,
    browser,
    clock,
    close: async () => {
      await browser.close();
      await roost.close();
    },
  };
}

/**
 * A page in its own browser context: its own cookies, like a separate person. The page's
 * clock (Date, timers) starts at Roost's "now" and runs on, so scripts in the page see the
 * same date and hour as the server.
 */
export async function newPage(
  roost: Pick<RoostUnderTest, 'browser' | 'clock'>,
  /** `locale` also sets the browser's Accept-Language (de-DE: Roost in German). */
  options: { width?: number; height?: number; locale?: string } = {},
): Promise<Page> {
  const context = await roost.browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    // The demo's people work in Berlin; the machine's own zone must not leak into the page.
    timezoneId: 'Europe/Berlin',
    ...(options.locale ? { locale: options.locale } : {}),
  });
  await context.clock.install({ time: roost.clock.now() });
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

/** The sign-in form's labels in each language. */
const SIGN_IN_LABELS = {
  en: { email: 'Email', password: 'Password', submit: 'Sign in' },
  de: { email: 'E-Mail', password: 'Passwort', submit: 'Anmelden' },
};

export async function signIn(
  page: Page,
  baseUrl: string,
  email: string,
  password = DEMO.password,
  lang: keyof typeof SIGN_IN_LABELS = 'en',
): Promise<void> {
  const labels = SIGN_IN_LABELS[lang];
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel(labels.email).fill(email);
  await page.getByLabel(labels.password).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
  await page.waitForLoadState('load');
}

/** The serious and critical axe findings on the page, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page: page as never }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} ${v.nodes[0]?.html.slice(0, 100) ?? ''}`);
}

/** Presses Confirm in the booking confirmation dialog that choosing a desk opens (issue 15). */
export const confirmIn = (page: Page, label: string) =>
  page
    .getByRole('dialog')
    .getByRole('button', { name: `Confirm booking of desk ${label}` })
    .click();
