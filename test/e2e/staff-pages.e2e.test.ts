/// <reference lib="dom" />
import { AxeBuilder } from '@axe-core/playwright';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, newPage, signIn, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

// The staff pages of issue 15, driven through their visible labels at 1366 px, as the review
// used them: audit sentences, the phones' action menu, floor day, a person's history.
let roost: RoostUnderTest;
let floorId: number;
let bookingId: number;
let fromDesk: string;
let adaId: number;
let page: Page;

beforeAll(async () => {
  roost = await startRoostWithBrowser();
  const { prisma } = roost.db;
  const floor = await prisma.floor.findFirstOrThrow({
    where: { site: { name: 'Berlin' } },
    orderBy: { level: 'asc' },
  });
  floorId = floor.id;
  adaId = (await prisma.user.findUniqueOrThrow({ where: { email: DEMO.employee } })).id;
  // Today 13:00–14:00 in Berlin on a desk free then, whatever the instant the suite runs at.
  const today = DateTime.fromJSDate(roost.clock.now()).setZone('Europe/Berlin').startOf('day');
  const [startsAt, endsAt] = [today.plus({ hours: 13 }).toJSDate(), today.plus({ hours: 14 }).toJSDate()];
  const person = await prisma.user.create({
    data: {
      email: 'grace.moved@roost.example',
      displayName: 'Grace Moved',
      passwordHash: 'not-a-usable-hash',
    },
  });
  const desk = await prisma.desk.findFirstOrThrow({
    where: {
      floorId,
      bookable: true,
      reservations: {
        none: {
          status: { in: ['BOOKED', 'CHECKED_IN'] },
          startsAt: { lt: endsAt },
          endsAt: { gt: startsAt },
        },
      },
    },
    orderBy: { label: 'asc' },
  });
  fromDesk = desk.label;
  bookingId = (
    await prisma.reservation.create({ data: { deskId: desk.id, userId: person.id, startsAt, endsAt } })
  ).id;
  page = await newPage(roost, { width: 1366, height: 900 });
  await signIn(page, roost.url, DEMO.facilities);
});
afterAll(async () => {
  await page?.close();
  await roost?.close();
});

describe('staff pages at 1366 px', () => {
  it('floor day: booking cards stay inside, Move to desk offers free desks first, and the audit says what moved', async () => {
    await page.goto(`${roost.url}/staff/floors/${floorId}/day`);
    const overflowing = await page.$$eval('.day-card', (cards) =>
      cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.id),
    );
    expect(overflowing).toEqual([]);
    const card = page.locator(`#booking-${bookingId}`);
    const select = card.getByLabel('Move to desk');
    const groups = await select
      .locator('optgroup')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('label')));
    expect(groups[0]).toMatch(/free desks? at this time/);
    const target = (await select.locator('optgroup').first().locator('option').first().textContent())!.trim();
    await select.selectOption({ label: target });
    await card.getByRole('button', { name: 'Move' }).click();
    await expect.poll(() => page.locator('.flash').textContent()).toContain(target);

    await page.goto(`${roost.url}/staff/audit?subjectType=Reservation&subjectId=${bookingId}`);
    await expect
      .poll(() => page.locator('table.audit').textContent())
      .toContain(`Desk ${fromDesk} → ${target}`);
    expect(await page.locator('table.audit').textContent()).not.toContain('"deskId"');
    // The same trail in German, for a member of staff who reads German.
    await roost.db.prisma.user.update({ where: { email: DEMO.facilities }, data: { language: 'de' } });
    try {
      await page.reload();
      expect(await page.locator('table.audit').textContent()).toContain(
        `Arbeitsplatz ${fromDesk} → ${target}`,
      );
    } finally {
      await roost.db.prisma.user.update({ where: { email: DEMO.facilities }, data: { language: null } });
    }
  });

  it('phones: one line per phone, actions in a menu that opens from the keyboard', async () => {
    await page.goto(`${roost.url}/staff/phones?floorId=${floorId}`);
    const rows = page.locator('table.phones tbody tr');
    expect(await rows.count()).toBeGreaterThan(10);
    const heights = await rows.evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
    // One line of text and the menu button: the 48 phones no longer take 9 000 px.
    expect(Math.max(...heights)).toBeLessThan(60);
    await expect.poll(() => page.getByLabel('Problems only').count()).toBe(1);

    const first = rows.first();
    const device = (await first.locator('code').textContent())!.trim();
    const summary = first.locator('summary');
    expect(await summary.textContent()).toContain('Actions');
    const logout = first.getByRole('button', { name: `Log out ${device}` });
    expect(await logout.isVisible()).toBe(false);
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => logout.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => logout.isVisible()).toBe(false);
    await summary.focus();
    await page.keyboard.press('Enter');
    await logout.click();
    await expect.poll(() => page.locator('.flash').textContent()).toMatch(new RegExp(device));
    const audit = await roost.db.prisma.auditEvent.findFirst({ where: { action: 'phone.manual_logout' } });
    expect(audit?.actorLabel).toBe(DEMO.facilities);
  });

  it('person: their bookings past and future, paged; people sorted by name', async () => {
    await page.goto(`${roost.url}/staff/people/${adaId}`);
    const count = await roost.db.prisma.reservation.count({ where: { userId: adaId } });
    expect(count).toBeGreaterThan(0);
    const history = page.locator('#history');
    expect(await history.getByRole('heading', { name: 'Bookings' }).count()).toBe(1);
    const shown = await history.locator('table tbody tr').count();
    expect(shown).toBe(Math.min(count, 20));
    if (count > 20) {
      await history.getByRole('link', { name: 'Next' }).click();
      expect(await page.locator('#history table tbody tr').count()).toBe(Math.min(count - 20, 20));
    }

    await page.goto(`${roost.url}/staff/people`);
    const names = await page.locator('table tbody tr td:first-child').allTextContents();
    const trimmed = names.map((n) => n.trim());
    expect(trimmed.length).toBeGreaterThan(5);
    expect(trimmed).toEqual([...trimmed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
});

describe('floor-plan editor at 1366 px', () => {
  it('moves a desk by keyboard and by dragging, warns on overlaps, takes a desk out of use', async () => {
    const { prisma } = roost.db;
    const desks = await prisma.desk.findMany({ where: { floorId }, orderBy: { label: 'asc' }, take: 3 });
    const [a, b, c] = desks as [(typeof desks)[0], (typeof desks)[0], (typeof desks)[0]];
    await page.goto(`${roost.url}/staff/floors/${floorId}`);
    // The new-desk form sits beside the plan, not below the desk list.
    const planBox = (await page.locator('svg[data-drag-desks]').boundingBox())!;
    const formBox = (await page.locator('#desk-form').boundingBox())!;
    expect(formBox.x).toBeGreaterThan(planBox.x + planBox.width - 1);
    expect(formBox.y).toBeLessThan(planBox.y + planBox.height);

    const deskA = page.locator(`svg a[data-desk-id="${a.id}"]`);
    await deskA.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await expect
      .poll(() => page.locator('#plan-drag-status').textContent())
      .toContain(`moved to X ${a.posX + 1}, Y ${a.posY + 10}`);
    expect(await prisma.desk.findUniqueOrThrow({ where: { id: a.id } })).toMatchObject({
      posX: a.posX + 1,
      posY: a.posY + 10,
    });

    // Drag desk b onto desk c: saved, and the page warns that they overlap.
    const from = (await page.locator(`svg a[data-desk-id="${b.id}"] rect`).boundingBox())!;
    const to = (await page.locator(`svg a[data-desk-id="${c.id}"] rect`).boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2 + 2, to.y + to.height / 2 + 2, { steps: 8 });
    await page.mouse.up();
    await expect
      .poll(() => page.locator('#plan-overlaps').textContent())
      .toContain(`${b.label} and ${c.label}`);
    expect(page.url()).toContain(`/staff/floors/${floorId}`);
    await page.reload();
    expect(await page.locator('#plan-overlaps').textContent()).toMatch(/overlap/);

    // Take desk c out of use from its row's action menu.
    const row = page.locator('#desks tr', { has: page.getByRole('link', { name: c.label, exact: true }) });
    await row.locator('summary').click();
    await row.getByRole('button', { name: `Take desk ${c.label} out of use` }).click();
    await expect
      .poll(() => page.locator('.flash').first().textContent())
      .toContain(`Desk ${c.label} is out of use`);
    expect((await prisma.desk.findUniqueOrThrow({ where: { id: c.id } })).bookable).toBe(false);
    // Put things back for the other tests at this instant.
    await prisma.desk.update({ where: { id: c.id }, data: { bookable: true } });
    await prisma.desk.update({ where: { id: b.id }, data: { posX: b.posX, posY: b.posY } });
  });
});

describe.each([
  ['desktop', 1366],
  ['phone', 390],
])('axe on the changed staff pages (%s)', (_name, width) => {
  let p: Page;
  beforeAll(async () => {
    p = await newPage(roost, { width, height: 850 });
    await signIn(p, roost.url, DEMO.facilities);
  });
  afterAll(async () => p?.close());
  const pages = [
    '/staff/phones?floorId=:floor',
    '/staff/audit',
    '/staff/floors/:floor/day',
    '/staff/floors/:floor',
    '/staff/people',
    '/staff/people/:ada',
  ];
  it.each(pages.map((x) => [x]))('%s', async (template) => {
    const path = template.replace(':floor', String(floorId)).replace(':ada', String(adaId));
    const res = await p.goto(`${roost.url}${path}`);
    const problems: string[] = res?.status() === 200 ? [] : [`HTTP ${res?.status()}`];
    const { violations } = await new AxeBuilder({ page: p as never }).analyze();
    for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical'))
      problems.push(`${v.id} (${v.nodes.length}) ${v.nodes[0]?.html.slice(0, 120)}`);
    const overflow = await p.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    if (overflow > 1) problems.push(`${overflow}px wider than a ${width}px screen`);
    expect(problems).toEqual([]);
  });
});
