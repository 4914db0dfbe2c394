/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { DateTime } from 'luxon';
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

let roost: RoostUnderTest;
let floorId: number;
let siteId: number;
beforeAll(async () => {
  roost = await startRoostWithBrowser();
  const floor = await roost.db.prisma.floor.findFirstOrThrow({
    where: { name: 'Floor 3', site: { name: 'Berlin' } },
  });
  floorId = floor.id;
  siteId = floor.siteId;
});
afterAll(async () => roost?.close());

/** A working day a week or so ahead in Berlin, inside the booking window; `offset` picks another. */
function workingDay(offset = 0): string {
  let day = DateTime.fromJSDate(roost.clock.now())
    .setZone('Europe/Berlin')
    .plus({ days: 5 + offset });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day.toISODate()!;
}

/**
 * The first working day from `workingDay(offset)` on which none of these people holds a desk:
 * the demo company books desks for its people (Ada has every Tuesday), and one desk per person
 * at a time means a person who already has one cannot reserve another.
 */
async function dayWithoutBookings(emails: string[], offset = 0): Promise<string> {
  for (let extra = 0; extra < 14; extra++) {
    const date = workingDay(offset + extra);
    const day = DateTime.fromISO(date, { zone: 'Europe/Berlin' });
    const held = await roost.db.prisma.reservation.count({
      where: {
        user: { email: { in: emails } },
        status: { in: ['BOOKED', 'CHECKED_IN'] },
        startsAt: { lt: day.plus({ days: 1 }).toJSDate() },
        endsAt: { gt: day.toJSDate() },
      },
    });
    if (held === 0) return date;
  }
  throw new Error(`No working day without bookings for ${emails.join(', ')} in two weeks`);
}

const findUrl = (date: string, start = '09:00', end = '17:00') =>
  `${roost.url}/book?siteId=${siteId}&floorId=${floorId}&date=${date}&start=${start}&end=${end}`;

describe('booking a desk in a real browser', () => {
  it('a new employee books from Find a desk without changing any field', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a desk' }).click();
    await page.waitForURL(/\/book$/);
    expect(await page.getByRole('alert').count()).toBe(0);
    const button = page.getByRole('button', { name: /^Reserve desk / }).first();
    const label = ((await button.textContent()) ?? '').replace('Reserve desk ', '').trim();
    await button.click();
    // A short confirmation first (issue 15): nothing is booked by the first click.
    await confirmIn(page, label);
    await page.waitForURL(/\/\?undo=\d+$/);
    expect(await page.getByRole('status').first().textContent()).toContain(`Desk ${label}`);

    // The default starts at the next quarter hour: on a slow machine that may pass before this
    // line, and a booking that has begun is released rather than cancelled.
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .getByRole('button', {
        name: new RegExp(`^(Cancel booking of desk|Release desk) ${label.replace('.', '\\.')}( now)?$`),
      })
      .first()
      .click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').textContent()).toMatch(/cancel|released/i);
    await page.close();
  });

  it('an employee chooses a desk on the floor plan, confirms it, sees it at home, and cancels it', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    const date = await dayWithoutBookings([DEMO.employee]);
    await page.goto(findUrl(date));
    expect(await seriousViolations(page)).toEqual([]);
    const free = page.locator('svg.floorplan a.desk-free').first();
    const label = /Desk (\S+),/.exec((await free.getAttribute('aria-label')) ?? '')?.[1];
    expect(label).toBeDefined();
    await free.click();
    expect(
      await roost.db.prisma.reservation.count({
        where: { desk: { label, floorId }, status: 'BOOKED', user: { email: DEMO.employee } },
      }),
    ).toBe(0);
    await confirmIn(page, label!);
    await page.waitForURL(/\/\?undo=\d+$/);
    expect(await page.getByRole('status').first().textContent()).toContain(`Desk ${label}`);
    // A card when it is the next booking, else its day in "My next 14 days".
    const card = page.locator('li, tr', { hasText: `Desk ${label}` }).first();
    expect(await card.textContent()).toContain('Floor 3');
    expect(await seriousViolations(page)).toEqual([]);

    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .getByRole('button', { name: `Cancel booking of desk ${label}` })
      .first()
      .click();
    await page.waitForLoadState('load');
    expect(await page.getByRole('status').textContent()).toMatch(/cancel/i);
    const held = await roost.db.prisma.reservation.count({
      where: { desk: { label, floorId }, status: 'BOOKED', user: { email: DEMO.employee } },
    });
    expect(held).toBe(0);
    await page.close();
  });

  it('a second employee who clicks a desk someone just took is told so and offered free desks', async () => {
    const ada = await newPage(roost);
    const grace = await newPage(roost);
    await signIn(ada, roost.url, DEMO.employee);
    await signIn(grace, roost.url, 'grace.hopper@roost.example');
    const date = await dayWithoutBookings([DEMO.employee, 'grace.hopper@roost.example'], 1);
    await grace.goto(findUrl(date, '10:00', '12:00'));
    await ada.goto(findUrl(date, '10:00', '12:00'));
    const button = ada.getByRole('button', { name: /^Reserve desk / }).first();
    const label = ((await button.textContent()) ?? '').replace('Reserve desk ', '').trim();
    await button.click();
    await confirmIn(ada, label);
    await ada.waitForURL(/\/\?undo=\d+$/);

    // Grace's page still shows the desk as free; her click comes second.
    await grace.getByRole('button', { name: `Reserve desk ${label}`, exact: true }).click();
    await confirmIn(grace, label);
    await grace.waitForLoadState('load');
    expect(await grace.getByRole('alert').textContent()).toMatch(/taken|just booked|no longer free/i);
    const alternatives = grace.getByRole('region', { name: /Free desks on the same floor/ });
    expect(await alternatives.getByRole('button', { name: /^Reserve desk / }).count()).toBeGreaterThan(0);
    expect(
      await alternatives.getByRole('button', { name: `Reserve desk ${label}`, exact: true }).count(),
    ).toBe(0);
    expect(await seriousViolations(grace)).toEqual([]);
    await ada.close();
    await grace.close();
  });

  it('a desk that facilities staff add becomes bookable', async () => {
    const staff = await newPage(roost);
    await signIn(staff, roost.url, DEMO.facilities);
    await staff.goto(`${roost.url}/staff/floors/${floorId}`);
    expect(await seriousViolations(staff)).toEqual([]);
    const form = staff.locator('#desk-form');
    await form.getByLabel('Label').fill('3.99');
    await form.getByLabel('X position').fill('700');
    await form.getByLabel('Y position').fill('560');
    await form.getByRole('button', { name: 'Add desk' }).click();
    await staff.waitForLoadState('load');
    expect(await staff.locator('table').textContent()).toContain('3.99');
    await staff.close();

    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    await page.goto(findUrl(await dayWithoutBookings([DEMO.employee], 2)));
    expect(await page.getByRole('button', { name: 'Reserve desk 3.99', exact: true }).count()).toBe(1);
    await page.close();
  });

  it('works on a phone-sized screen', async () => {
    const page = await newPage(roost, { width: 375, height: 740 });
    await signIn(page, roost.url, DEMO.employee);
    await page.goto(findUrl(await dayWithoutBookings([DEMO.employee], 3)));
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(1);
    expect(
      await page
        .getByRole('button', { name: /^Reserve desk / })
        .first()
        .isVisible(),
    ).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
