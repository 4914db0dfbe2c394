import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

/**
 * With Accept-Language: de-DE every page reads in German and says so in <html lang>. The
 * markers are English words of Roost's own texts that a German page must not show (the test
 * data's names, "Site 3", "Test User 4", carry none of them).
 */
const ENGLISH = [
  'My bookings',
  'Find a desk',
  'Sign out',
  'Sign in',
  'Desk ',
  'Desks',
  'Booking',
  'Save',
  'Create',
  'Search',
  'Floor plan',
  'Working hours',
  'Time zone',
  'There is',
  'People',
  'Email',
  'Password',
  'Audit',
  'Upcoming',
  'Cancel',
];
const lang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];
/** What a person reads: text and the labels assistive technology reads out. */
const readable = (html: string) =>
  [
    html.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, ' '),
    ...[...html.matchAll(/(?:aria-label|title|placeholder|data-confirm)="([^"]*)"/g)].map((m) => m[1]),
  ].join(' ');
const englishIn = (html: string) => ENGLISH.filter((word) => readable(html).includes(word));

describe.each(dbTargets)('every page in German (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let employee: string;
  let staff: string;
  let english: string;
  let ids: { site: number; floor: number; desk: number; person: number };

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    const floor = await createFloor(db.prisma, site.id, 'Etage 1');
    const desk = await createDesk(db.prisma, floor.id, { label: '1.01' });
    const ada = await createUser(db.prisma, { homeSiteId: site.id });
    employee = ada.email;
    staff = (await createUser(db.prisma, { role: 'FACILITIES', homeSiteId: site.id })).email;
    const chose = await createUser(db.prisma, { homeSiteId: site.id });
    await db.prisma.user.update({ where: { id: chose.id }, data: { language: 'en' } });
    english = chose.email;
    // A booking tomorrow, so "My bookings" shows a card with its buttons and phone status.
    await db.prisma.reservation.create({
      data: {
        deskId: desk.id,
        userId: ada.id,
        startsAt: new Date('2026-12-03T08:00:00Z'),
        endsAt: new Date('2026-12-03T15:30:00Z'),
      },
    });
    ids = { site: site.id, floor: floor.id, desk: desk.id, person: ada.id };
    app = await createTestApp(db, createManualClock('2026-12-02T07:14:00Z'));
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const german = () => new Browser(app, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' });

  it('the sign-in page and the welcome page', async () => {
    for (const url of ['/signin', '/']) {
      const page = await german().get(url);
      expect(lang(page.body), url).toBe('de');
      expect(englishIn(page.body), url).toEqual([]);
    }
    expect((await german().get('/signin')).body).toContain('Bei Roost anmelden');
  });

  it("an employee's pages", async () => {
    const browser = german();
    await browser.signIn(employee);
    for (const url of [
      '/',
      '/book',
      `/book?floorId=${ids.floor}&date=3.12.2026&start=13:00&end=15:00`,
      '/book/series',
      '/nowhere',
    ]) {
      const page = await browser.get(url);
      expect(lang(page.body), url).toBe('de');
      expect(page.headers['content-language'], url).toBe('de');
      expect(englishIn(page.body), url).toEqual([]);
    }
    const home = (await browser.get('/')).body;
    expect(home).toContain('Do., 3. Dez. 2026, 09:00–16:30 MEZ');
    expect(home).toContain('Buchung von Arbeitsplatz 1.01 stornieren');
    const find = (await browser.get(`/book?floorId=${ids.floor}&date=3.12.2026&start=13:00&end=15:00`)).body;
    expect(find).toContain('value="3.12.2026"');
    expect(find).toContain('Donnerstag, 3. Dezember 2026, 13:00–15:00 MEZ');
  });

  it("facilities staff's pages", async () => {
    const browser = german();
    await browser.signIn(staff);
    const pages = [
      '/staff',
      '/staff/sites',
      `/staff/sites/${ids.site}`,
      '/staff/floors',
      `/staff/floors/${ids.floor}`,
      `/staff/floors/${ids.floor}/day?date=2026-12-03`,
      '/staff/day',
      `/staff/desks/${ids.desk}`,
      '/staff/desks/import',
      '/staff/people',
      '/staff/people/new',
      `/staff/people/${ids.person}`,
      '/staff/people/import',
      '/staff/policies',
      `/staff/policies/${ids.site}`,
      '/staff/audit',
      '/staff/insight',
    ];
    for (const url of pages) {
      const page = await browser.get(url);
      expect(page.statusCode, url).toBe(200);
      expect(lang(page.body), url).toBe('de');
      expect(englishIn(page.body), url).toEqual([]);
    }
  });

  it("staff set a site's default language, the language of its phones and of people who chose none", async () => {
    const browser = german();
    await browser.signIn(staff);
    const form = await browser.get(`/staff/sites/${ids.site}`);
    expect(form.body).toContain('Standardsprache');
    const site = await db.prisma.site.findUniqueOrThrow({ where: { id: ids.site } });
    const saved = await browser.post(
      `/staff/sites/${ids.site}`,
      { name: site.name, timeZone: site.timeZone, address: '', emClusterId: '', defaultLanguage: 'de' },
      { csrfFrom: `/staff/sites/${ids.site}` },
    );
    expect(saved.statusCode).toBe(303);
    expect((await db.prisma.site.findUniqueOrThrow({ where: { id: ids.site } })).defaultLanguage).toBe('de');
    const refused = await browser.post(
      `/staff/sites/${ids.site}`,
      { name: site.name, timeZone: site.timeZone, address: '', emClusterId: '', defaultLanguage: 'fr' },
      { csrfFrom: `/staff/sites/${ids.site}` },
    );
    expect(refused.statusCode).toBe(400);
    expect((await db.prisma.site.findUniqueOrThrow({ where: { id: ids.site } })).defaultLanguage).toBe('de');
  });

  it('the occupancy export in German: its header line and column names', async () => {
    const browser = german();
    await browser.signIn(staff);
    const csv = (await browser.get(`/staff/insight.csv?siteId=${ids.site}&from=2026-12-01&to=2026-12-07`))
      .body;
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('Tabelle,Zeile,Spalte,Wert');
    expect(lines).toContain('bookings-per-day,2026-12-03,Tag,Do');
    expect(lines).toContain('bookings-per-day,2026-12-03,Buchungen,1');
    expect(csv).not.toMatch(/Bookings|Released|Cancelled/);
  });

  it('a person who chose English sees English whatever the browser sends', async () => {
    const browser = german();
    await browser.signIn(english);
    for (const url of ['/', '/book', '/book/series']) {
      const page = await browser.get(url);
      expect(lang(page.body), url).toBe('en');
      expect(page.body, url).toContain('Find a desk');
      expect(page.body, url).not.toContain('Arbeitsplatz finden');
    }
  });
});
