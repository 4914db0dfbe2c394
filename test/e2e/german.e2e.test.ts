/// <reference lib="dom" />
import { AxeBuilder } from '@axe-core/playwright';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

// The booking flow in German, driven only through the visible German labels, as a person
// whose browser asks for German (locale de-DE sends Accept-Language: de-DE) and who has
// chosen no language in Roost.
let roost: RoostUnderTest;
beforeAll(async () => {
  roost = await startRoostWithBrowser();
});
afterAll(async () => roost?.close());

async function germanPage(): Promise<Page> {
  const context = await roost.browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: 'Europe/Berlin',
    locale: 'de-DE',
  });
  await context.clock.install({ time: roost.clock.now() });
  const page = await context.newPage();
  page.on('close', () => void context.close().catch(() => {}));
  return page;
}

async function signInGerman(page: Page, email: string) {
  await page.goto(`${roost.url}/signin`);
  expect(await page.locator('html').getAttribute('lang')).toBe('de');
  await page.getByLabel('E-Mail').fill(email);
  await page.getByLabel('Passwort').fill(DEMO.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.waitForLoadState('load');
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page: page as never }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help}`);
}

/** A working day a week ahead in Berlin on which Ada holds no desk. */
async function freeWorkingDay(): Promise<DateTime> {
  for (let extra = 5; extra < 21; extra++) {
    const day = DateTime.fromJSDate(roost.clock.now())
      .setZone('Europe/Berlin')
      .startOf('day')
      .plus({ days: extra });
    if (day.weekday > 5) continue;
    const held = await roost.db.prisma.reservation.count({
      where: {
        user: { email: DEMO.employee },
        status: { in: ['BOOKED', 'CHECKED_IN'] },
        startsAt: { lt: day.plus({ days: 1 }).toJSDate() },
        endsAt: { gt: day.toJSDate() },
      },
    });
    if (held === 0) return day;
  }
  throw new Error('Ada holds a desk on every working day of the next two weeks');
}

describe('Roost in German in a real browser', () => {
  it('signs in, finds and books a desk, shows it with a German date and 24-hour times, and cancels it', async () => {
    const page = await germanPage();
    await signInGerman(page, DEMO.employee);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Meine Buchungen');
    expect(await seriousViolations(page)).toEqual([]);

    await page
      .getByRole('navigation', { name: 'Hauptmenü' })
      .getByRole('link', { name: 'Arbeitsplatz finden' })
      .click();
    await page.waitForURL(/\/book$/);
    const day = await freeWorkingDay();
    // The date field shows and takes the German form; times are typed on the 24-hour clock.
    await page.getByLabel('Datum').fill(day.toFormat('d.M.yyyy'));
    await page.getByLabel('Von', { exact: true }).fill('13:00');
    await page.getByLabel('Bis', { exact: true }).fill('17:30');
    await page.getByRole('button', { name: 'Freie Arbeitsplätze anzeigen' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByLabel('Datum').inputValue()).toBe(day.toFormat('d.M.yyyy'));
    const results = page.getByRole('region', { name: /^Arbeitsplätze auf / });
    expect(await results.textContent()).toMatch(/Arbeitsplätzen frei/);
    expect(await seriousViolations(page)).toEqual([]);

    const button = page.getByRole('button', { name: /^Arbeitsplatz \S+ buchen$/ }).first();
    const label = /^Arbeitsplatz (\S+) buchen$/.exec(((await button.textContent()) ?? '').trim())?.[1];
    expect(label).toBeDefined();
    await button.click();
    // The confirmation step (issue 15), in German too.
    await page
      .getByRole('dialog')
      .getByRole('button', { name: `Buchung von Arbeitsplatz ${label} bestätigen` })
      .click();
    await page.waitForURL(/\/\?undo=\d+$/);

    // "Mi., 9. Dez. 2026, 13:00–17:30 MEZ": German weekday and month, 24-hour clock, German zone name.
    const WEEKDAYS = ['Mo.', 'Di.', 'Mi.', 'Do.', 'Fr.', 'Sa.', 'So.'];
    const MONTHS = [
      'Jan.',
      'Feb.',
      'März',
      'Apr.',
      'Mai',
      'Juni',
      'Juli',
      'Aug.',
      'Sept.',
      'Okt.',
      'Nov.',
      'Dez.',
    ];
    const germanDay = `${WEEKDAYS[day.weekday - 1]}, ${day.day}. ${MONTHS[day.month - 1]} ${day.year}`;
    // Winter or summer time on the booked day (the suite also runs on the Berlin DST change day).
    const zoneName = day.setZone('Europe/Berlin').set({ hour: 13 }).isInDST ? 'MESZ' : 'MEZ';
    const status = (await page.getByRole('status').textContent()) ?? '';
    expect(status).toContain(`Arbeitsplatz ${label} ist für Sie gebucht`);
    expect(status).toContain(`${germanDay}, 13:00–17:30 ${zoneName}`);
    const card = page.locator('li.booking', { hasText: `Arbeitsplatz ${label}` }).first();
    expect(await card.locator('time').textContent()).toBe(`${germanDay}, 13:00–17:30 ${zoneName}`);
    expect(await card.textContent()).not.toMatch(/\b(AM|PM)\b/);
    expect(await seriousViolations(page)).toEqual([]);

    page.once('dialog', (dialog) => {
      expect(dialog.message()).toBe(`Buchung von Arbeitsplatz ${label} stornieren?`);
      void dialog.accept();
    });
    await card.getByRole('button', { name: `Buchung von Arbeitsplatz ${label} stornieren` }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').textContent()).toBe(
      `Ihre Buchung von Arbeitsplatz ${label} ist storniert.`,
    );
    const held = await roost.db.prisma.reservation.count({
      where: {
        desk: { label },
        status: 'BOOKED',
        user: { email: DEMO.employee },
        startsAt: day.plus({ hours: 13 }).toJSDate(),
      },
    });
    expect(held).toBe(0);
    await page.close();
  });

  it('a facilities page in German: a floor with its desks, and a desk added through German labels', async () => {
    const floor = await roost.db.prisma.floor.findFirstOrThrow({
      where: { name: 'Floor 3', site: { name: 'Berlin' } },
    });
    const page = await germanPage();
    await signInGerman(page, DEMO.facilities);
    await page.getByRole('link', { name: 'Facility-Management' }).click();
    await page.waitForLoadState('load');
    await page.getByRole('link', { name: 'Etagen & Arbeitsplätze' }).first().click();
    await page.waitForLoadState('load');
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${roost.url}/staff/floors/${floor.id}`);
    expect(await seriousViolations(page)).toEqual([]);
    const form = page.locator('#desk-form');
    await form.getByLabel('Bezeichnung').fill('3.98');
    await form.getByLabel('X-Position').fill('650');
    await form.getByLabel('Y-Position').fill('540');
    await form.getByRole('button', { name: 'Arbeitsplatz hinzufügen' }).click();
    await page.waitForLoadState('load');
    expect(
      await page.getByRole('region', { name: 'Arbeitsplätze auf dieser Etage' }).textContent(),
    ).toContain('3.98');
    expect(await page.locator('main').textContent()).not.toMatch(/\b(Desks|Save|Floor plan|Add desk)\b/);
    await page.close();
  });
});
