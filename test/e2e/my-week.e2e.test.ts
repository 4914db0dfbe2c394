/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmIn,
  DEMO,
  newPage,
  seriousViolations,
  signIn,
  startRoostWithBrowser,
  type RoostUnderTest,
} from './harness.js';

// Issue 15's employee flows in Chromium: book now, confirm and undo, check-in/extend/release,
// a series and its cancellation, finding a colleague, and axe at 1366 px and 390 px. Berlin
// is open every day around the clock in this file, so every flow can run at each of the
// ROOST_E2E_AT instants (a weekday morning, a Saturday night, the spring-forward night).
let roost: RoostUnderTest;
let floorId: number;
let siteId: number;
let adaId: number;
const zone = 'Europe/Berlin';

beforeAll(async () => {
  roost = await startRoostWithBrowser();
  const floor = await roost.db.prisma.floor.findFirstOrThrow({
    where: { name: 'Floor 3', site: { name: 'Berlin' } },
  });
  floorId = floor.id;
  siteId = floor.siteId;
  await roost.db.prisma.bookingPolicy.update({
    where: { siteId },
    data: {
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      workdayStartMinute: 0,
      workdayEndMinute: 1440,
      maxBookingsPerDay: 3,
    },
  });
  adaId = (await roost.db.prisma.user.findUniqueOrThrow({ where: { email: DEMO.employee } })).id;
});
afterAll(async () => roost?.close());

/** Ada's demo bookings overlapping [from, to) are cancelled, so a flow starts from a clean slate. */
async function clearAda(from: Date, to: Date) {
  await roost.db.prisma.reservation.updateMany({
    where: {
      userId: adaId,
      status: { in: ['BOOKED', 'CHECKED_IN'] },
      startsAt: { lt: to },
      endsAt: { gt: from },
    },
    data: { status: 'CANCELLED' },
  });
}

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('my week in a real browser', () => {
  it('books now: from the current minute until a chosen end', async () => {
    const now = roost.clock.now();
    await clearAda(new Date(now.getTime() - 60_000), new Date(now.getTime() + 24 * 3600_000));
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.goto(`${roost.url}/book?siteId=${siteId}&floorId=${floorId}`);
    const until = page.getByLabel(/From now until/);
    const choices = await until.locator('option').allTextContents();
    expect(choices.every((c) => /^\d\d:[0-5][05]$/.test(c) && Number(c.slice(3)) % 15 === 0)).toBe(true);
    await until.selectOption(choices[Math.min(3, choices.length - 1)]!);
    await page.getByRole('button', { name: 'Show free desks for now' }).click();
    await page.waitForLoadState('load');
    const button = page.getByRole('button', { name: /^Reserve desk / }).first();
    const label = ((await button.textContent()) ?? '').replace('Reserve desk ', '').trim();
    await button.click();
    await confirmIn(page, label);
    await page.waitForURL(/\/\?undo=\d+$/);
    const r = await roost.db.prisma.reservation.findFirstOrThrow({
      where: { userId: adaId, status: 'BOOKED', desk: { label, floorId } },
      orderBy: { id: 'desc' },
    });
    // Starts within the minute it was booked (the running clock may have moved on a little).
    expect(Math.abs(r.startsAt.getTime() - roost.clock.now().getTime())).toBeLessThan(3 * 60_000);
    expect(DateTime.fromJSDate(r.endsAt).setZone(zone).minute % 15).toBe(0);
    await page.getByRole('button', { name: 'Undo booking' }).click();
    await page.waitForLoadState('load');
    expect(await roost.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      status: expect.stringMatching(/CANCELLED|RELEASED/),
    });
    await page.close();
  });

  it('confirms a desk chosen on the map, and undoes it', async () => {
    const day = DateTime.fromJSDate(roost.clock.now()).setZone(zone).plus({ days: 3 }).toISODate()!;
    const from = DateTime.fromISO(day, { zone });
    await clearAda(from.toJSDate(), from.plus({ days: 1 }).toJSDate());
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.goto(
      `${roost.url}/book?siteId=${siteId}&floorId=${floorId}&date=${day}&start=09:00&end=12:00`,
    );
    // The map zooms (its view box shrinks) and the zoom never blanks it.
    const before = await page.locator('svg.floorplan').getAttribute('viewBox');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    expect(await page.locator('svg.floorplan').getAttribute('viewBox')).not.toBe(before);
    await page.getByRole('button', { name: 'Show the whole floor' }).click();
    const adaHolds = (label: string, since: Date) =>
      roost.db.prisma.reservation.count({
        where: { userId: adaId, status: 'BOOKED', desk: { label, floorId }, startsAt: { gte: since } },
      });
    const free = page.locator('svg.floorplan a.desk-free').first();
    const label = (await free.getAttribute('data-label'))!;
    await free.click();
    // Enter on the dialog's first focus (Back) books nothing.
    await page.keyboard.press('Enter');
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    expect(await adaHolds(label, from.toJSDate())).toBe(0);
    await free.click();
    await confirmIn(page, label);
    await page.waitForURL(/\/\?undo=\d+$/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Undo booking' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toContain(`Undone: desk ${label}`);
    expect(await adaHolds(label, from.toJSDate())).toBe(0);
    await page.close();
  });

  it('checks in, extends and releases a current booking', async () => {
    const now = roost.clock.now();
    const startsAt = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 5 * 60_000);
    const endsAt = new Date(startsAt.getTime() + 60 * 60_000);
    await clearAda(startsAt, new Date(endsAt.getTime() + 4 * 3600_000));
    const desk = await roost.db.prisma.desk.findFirstOrThrow({
      where: {
        floorId,
        bookable: true,
        reservations: {
          none: {
            status: { in: ['BOOKED', 'CHECKED_IN'] },
            startsAt: { lt: new Date(endsAt.getTime() + 4 * 3600_000) },
            endsAt: { gt: startsAt },
          },
        },
      },
    });
    await roost.db.prisma.reservation.create({ data: { deskId: desk.id, userId: adaId, startsAt, endsAt } });
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.getByRole('button', { name: `Check in at desk ${desk.label}` }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toContain(
      `checked in at desk ${desk.label}`,
    );
    const field = page.getByLabel(`New end time for desk ${desk.label}`);
    const offered = await field.inputValue();
    expect(Number(offered.slice(3)) % 15).toBe(0);
    await page.getByRole('button', { name: `Extend booking of desk ${desk.label}` }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toContain(`until ${offered}`);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Release desk ${desk.label} now` }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toContain('released');
    await page.close();
  });

  it('books a series and cancels it as a whole', async () => {
    const first = DateTime.fromJSDate(roost.clock.now()).setZone(zone).plus({ days: 6 }).startOf('day');
    await clearAda(first.toJSDate(), first.plus({ days: 14 }).toJSDate());
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.goto(`${roost.url}/book/series?floorId=${floorId}`);
    await page.getByLabel('Starting').fill(first.toISODate()!);
    await page.getByLabel('For how many weeks').fill('1');
    for (const d of ['Monday', 'Wednesday', 'Friday']) await page.getByLabel(d).check();
    await page.getByLabel('From').fill('09:00');
    await page.getByLabel('Until').fill('11:00');
    await page.getByRole('button', { name: 'Book these days' }).click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toMatch(/3 days booked/);
    await page.goto(`${roost.url}/`);
    const cancel = page.getByRole('button', { name: /^Cancel whole series at desk / });
    expect(await cancel.count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await cancel.click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').first().textContent()).toContain('3 days of your series');
    expect(
      await roost.db.prisma.reservation.count({
        where: { userId: adaId, status: 'BOOKED', seriesId: { not: null } },
      }),
    ).toBe(0);
    await page.close();
  });

  it('finds a colleague and where they sit', async () => {
    const grace = await roost.db.prisma.user.findUniqueOrThrow({
      where: { email: 'grace.hopper@roost.example' },
    });
    const day = DateTime.fromJSDate(roost.clock.now()).setZone(zone).plus({ days: 2 }).startOf('day');
    const [startsAt, endsAt] = [day.plus({ hours: 13 }).toJSDate(), day.plus({ hours: 14 }).toJSDate()];
    await roost.db.prisma.reservation.updateMany({
      where: {
        userId: grace.id,
        status: 'BOOKED',
        startsAt: { lt: day.plus({ days: 1 }).toJSDate() },
        endsAt: { gt: day.toJSDate() },
      },
      data: { status: 'CANCELLED' },
    });
    const desk = await roost.db.prisma.desk.findFirstOrThrow({
      where: {
        floorId,
        reservations: {
          none: {
            status: { in: ['BOOKED', 'CHECKED_IN'] },
            startsAt: { lt: endsAt },
            endsAt: { gt: startsAt },
          },
        },
      },
    });
    await roost.db.prisma.reservation.create({
      data: { deskId: desk.id, userId: grace.id, startsAt, endsAt },
    });
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Where is my team' })
      .click();
    await page.getByLabel("Colleague's name").fill('Grace');
    await page.getByLabel('Date').fill(day.toISODate()!);
    await page.getByRole('button', { name: 'Find colleague' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('main').textContent()).toContain(`desk ${desk.label}, Floor 3, Berlin`);
    await page.close();
  });
});

describe.each([
  ['desktop', 1366],
  ['phone', 390],
])('new and changed pages (%s)', (_name, width) => {
  let page: Page;
  beforeAll(async () => {
    page = await newPage(roost, { width, height: 844 });
    await signIn(page, roost.url, DEMO.employee);
  });
  afterAll(async () => page?.close());

  it.each([
    ['/'],
    ['/book'],
    ['/book?now=1'],
    ['/book/confirm?deskId=:desk'],
    ['/team?q=Grace'],
    ['/bookings/past'],
  ])('%s', async (template) => {
    const desk = await roost.db.prisma.desk.findFirstOrThrow({ where: { floorId } });
    const res = await page.goto(`${roost.url}${template.replace(':desk', String(desk.id))}`);
    expect(res?.status()).toBe(200);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await overflow(page)).toBeLessThanOrEqual(1);
  });

  it('the map fills the width and the desk list stays compact', async () => {
    await page.goto(`${roost.url}/book?siteId=${siteId}&floorId=${floorId}`);
    const main = await page.locator('main').boundingBox();
    const map = await page.locator('svg.floorplan').boundingBox();
    expect(map!.width).toBeGreaterThan(main!.width * 0.85);
    const list = await page.locator('.desk-chips').first().boundingBox();
    expect(list!.height).toBeLessThan(width < 500 ? 1600 : 700);
  });

  it('the staff site form offers the privacy setting', async () => {
    const staff = await newPage(roost, { width, height: 844 });
    await signIn(staff, roost.url, DEMO.facilities);
    await staff.goto(`${roost.url}/staff/sites/${siteId}`);
    await staff.getByLabel('Names at taken desks').selectOption('EVERYONE');
    await staff.getByRole('button', { name: 'Save site' }).click();
    await staff.waitForLoadState('load');
    expect((await roost.db.prisma.site.findUniqueOrThrow({ where: { id: siteId } })).occupantPrivacy).toBe(
      'EVERYONE',
    );
    expect(await seriousViolations(staff)).toEqual([]);
    expect(await overflow(staff)).toBeLessThanOrEqual(1);
    await staff.close();
  });
});
