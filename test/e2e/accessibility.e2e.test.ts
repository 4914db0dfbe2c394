/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { AxeBuilder } from '@axe-core/playwright';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, newPage, signIn, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

// Every main page, as the person who uses it, at desktop and phone width, and in German (whose
// longer words are what widen a page): no serious or critical axe violations, and nothing
// wider than the screen.
let roost: RoostUnderTest;
let floorId: number;
let deskId: number;
let personId: number;
beforeAll(async () => {
  roost = await startRoostWithBrowser();
  const desk = await roost.db.prisma.desk.findFirstOrThrow({
    where: { floor: { site: { name: 'Berlin' } } },
  });
  deskId = desk.id;
  floorId = desk.floorId;
  personId = (await roost.db.prisma.user.findUniqueOrThrow({ where: { email: DEMO.employee } })).id;
  await bookTodayForSomeoneWithALongName();
});

/**
 * Long names and addresses are what widen pages, and whether the demo data holds one on a
 * given day is luck: so the floor-day page always shows, today, a booking of a person whose
 * name and email address are longer than a phone screen is wide.
 */
async function bookTodayForSomeoneWithALongName() {
  const { prisma } = roost.db;
  const today = DateTime.fromJSDate(roost.clock.now()).setZone('Europe/Berlin').startOf('day');
  const [startsAt, endsAt] = [today.plus({ hours: 12 }).toJSDate(), today.plus({ hours: 13 }).toJSDate()];
  const desk = await prisma.desk.findFirstOrThrow({
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
  const person = await prisma.user.create({
    data: {
      email: 'bartholomew.featherstonehaugh-wolfeschlegelsteinhausen@facilities-subsidiary.roost.example',
      displayName: 'Bartholomew Alexander Featherstonehaugh-Wolfeschlegelsteinhausenbergerdorff',
      passwordHash: 'not-a-usable-hash',
    },
  });
  await prisma.reservation.create({ data: { deskId: desk.id, userId: person.id, startsAt, endsAt } });
}
afterAll(async () => roost?.close());

const employeePages = [
  '/',
  '/book',
  '/book/series?floorId=:floor',
  '/account/phone-pin',
  '/account/calendar',
];
const staffPages = [
  '/staff',
  '/staff/sites',
  '/staff/floors',
  '/staff/floors/:floor',
  '/staff/desks/:desk',
  '/staff/people',
  '/staff/people/:person',
  '/staff/people/new',
  '/staff/people/import',
  '/staff/desks/import',
  '/staff/policies',
  '/staff/day',
  '/staff/floors/:floor/day',
  '/staff/phones?floorId=:floor',
  '/staff/audit',
];

const roles = [
  ['employee', DEMO.employee, employeePages],
  ['facilities', DEMO.facilities, staffPages],
  ['admin', DEMO.admin, ['/staff/clusters']],
] as [string, string, string[]][];

describe.each([
  ['desktop', 1280, 'en'],
  ['phone', 375, 'en'],
  ['German, desktop', 1280, 'de'],
  ['German, phone', 375, 'de'],
] as const)('accessibility of every main page (%s)', (_name, width, lang) => {
  describe.each(roles)('as %s', (_role, email, pages) => {
    let page: Page;
    beforeAll(async () => {
      page = await newPage(roost, { width, height: 800, ...(lang === 'de' ? { locale: 'de-DE' } : {}) });
      await signIn(page, roost.url, email, undefined, lang);
    });
    afterAll(async () => page?.close());

    // Each page on its own, so a slow machine times out one page, not the sweep.
    it.each(pages.map((p) => [p]))('%s', async (template) => {
      const path = template
        .replace(':floor', String(floorId))
        .replace(':desk', String(deskId))
        .replace(':person', String(personId));
      const problems: string[] = [];
      const res = await page.goto(`${roost.url}${path}`);
      if (res?.status() !== 200) problems.push(`HTTP ${res?.status()}`);
      const htmlLang = await page.locator('html').getAttribute('lang');
      if (htmlLang !== lang) problems.push(`<html lang="${htmlLang}">`);
      const { violations } = await new AxeBuilder({ page: page as never }).analyze();
      for (const v of violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        problems.push(`${v.id} (${v.nodes.length}) ${v.nodes[0]?.html.slice(0, 120)}`);
      }
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      if (overflow > 1) problems.push(`${overflow}px wider than a ${width}px screen`);
      expect(problems).toEqual([]);
    });
  });
});
