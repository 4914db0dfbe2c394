import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 1 Dec 2026, 08:00 in Berlin (UTC+1).
const NOW = '2026-12-01T07:00:00Z';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe.each(dbTargets)('booking pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let clock: ManualClock;
  let floorId: number;
  let siteId: number;
  let deskIds: number[];
  let adaEmail: string;
  let bobEmail: string;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin', name: 'Berlin HQ' });
    siteId = site.id;
    floorId = (await createFloor(db.prisma, site.id, 'Floor 1')).id;
    await db.prisma.floor.update({
      where: { id: floorId },
      data: { planSvg: '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>' },
    });
    deskIds = [];
    for (const label of ['1.01', '1.02', '1.03'])
      deskIds.push(
        (await createDesk(db.prisma, floorId, { label, features: label === '1.03' ? ['standing'] : [] })).id,
      );
    adaEmail = (await createUser(db.prisma, { homeSiteId: site.id })).email;
    bobEmail = (await createUser(db.prisma, { homeSiteId: site.id })).email;
    app = await createTestApp(db, clock);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    clock.set(NOW);
    await db.prisma.phoneAction.deleteMany();
    await db.prisma.reservation.deleteMany();
  });

  const reserve = (browser: Browser, deskId: number, date = '2026-12-02', start = '09:00', end = '17:00') =>
    browser.post(
      '/reservations',
      { deskId: String(deskId), siteId: String(siteId), floorId: String(floorId), date, start, end },
      { csrfFrom: '/book' },
    );

  it('sends visitors to sign in', async () => {
    const res = await new Browser(app).get('/book');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/signin?next=%2Fbook');
  });

  it('finds a desk with defaults: home site, today, working hours from now, list and floor plan', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await browser.get('/book');
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('Desks on Floor 1, Berlin HQ');
    // As long as one booking may last (the policy's 10 h), so Reserve succeeds as offered (issue 15).
    expect(page).toContain('Tuesday 1 December 2026, 08:00–18:00 CET');
    expect(page).toContain('3 of 3 desks free');
    expect(res.body).toContain('Reserve desk 1.01');
    expect(res.body).toMatch(/<svg class="floorplan"[^>]*viewBox="0 0 1000 600"/);
    expect(res.body).toContain('aria-label="Desk 1.02, free, select to reserve"');
    // The uploaded plan is an image, never inline markup that could run script.
    expect(res.body).toContain('<image href="data:image/svg+xml;base64,');
    expect(res.body).not.toContain('<rect width="10"');
  });

  it('filters by feature', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await browser.get(
      `/book?floorId=${floorId}&date=2026-12-02&start=09:00&end=17:00&features=standing`,
    );
    expect(res.body).toContain('Reserve desk 1.03');
    expect(res.body).not.toContain('Reserve desk 1.01');
  });

  it('books with one click, shows it at home with phone status, then cancels', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await reserve(browser, deskIds[0]!);
    const id0 = (await db.prisma.reservation.findFirstOrThrow()).id;
    // Home offers Undo for the first seconds after booking (issue 15).
    expect([res.statusCode, res.headers.location]).toEqual([303, `/?undo=${id0}`]);
    const home = await browser.get(res.headers.location as string);
    expect(home.body).toContain(`action="/reservations/${id0}/undo"`);
    const page = text(home.body);
    expect(page).toContain('Desk 1.01 is yours: Wed 2 Dec 2026, 09:00–17:00 CET.');
    expect(page).toContain('Berlin HQ, Floor 1');
    expect(page).toContain('Phone will log you in at 09:00 CET');
    const id = (await db.prisma.reservation.findFirstOrThrow()).id;
    const cancel = await browser.post(`/reservations/${id}/cancel`, {});
    expect(cancel.statusCode).toBe(303);
    expect(text((await browser.get('/')).body)).toContain('Your booking of desk 1.01 is cancelled.');
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status).toBe('CANCELLED');
  });

  it('a desk someone just took: "taken" with fresh alternatives, on the form, not an error page', async () => {
    const bob = new Browser(app);
    await bob.signIn(bobEmail);
    expect((await reserve(bob, deskIds[0]!)).statusCode).toBe(303);
    const ada = new Browser(app);
    await ada.signIn(adaEmail);
    const res = await reserve(ada, deskIds[0]!);
    expect(res.statusCode).toBe(409);
    const page = text(res.body);
    expect(page).toContain('Desk 1.01 is already taken for Wed 2 Dec 2026, 09:00–17:00 CET');
    expect(page).toContain('Free desks on the same floor for that time');
    expect(res.body).toContain('Reserve desk 1.02');
    expect(res.body).toContain('value="2026-12-02"');
  });

  it('a person who already holds a desk at that time is told so up front, with no Reserve buttons', async () => {
    const ada = new Browser(app);
    await ada.signIn(adaEmail);
    expect((await reserve(ada, deskIds[1]!, '2026-12-02', '08:00', '16:30')).statusCode).toBe(303);
    const overlapping = await ada.get(`/book?floorId=${floorId}&date=2026-12-02&start=10:00&end=12:00`);
    expect(overlapping.statusCode).toBe(200);
    expect(text(overlapping.body)).toContain(
      'You already have desk 1.02 (Floor 1, Berlin HQ) at this time: Wed 2 Dec 2026, 08:00–16:30 CET.',
    );
    expect(overlapping.body).not.toContain('Reserve desk');
    expect(overlapping.body).toContain('Desk 1.01, free"');

    // Back to back is no overlap: from 16:30 on, every other desk can be reserved again.
    const after = await ada.get(`/book?floorId=${floorId}&date=2026-12-02&start=16:30&end=18:00`);
    expect(after.body).not.toContain('You already have desk');
    expect(after.body).toContain('Reserve desk 1.01');
  });

  it('a search no rule allows says why instead of listing desks, and the date input knows the horizon', async () => {
    const ada = new Browser(app);
    await ada.signIn(adaEmail);
    const saturday = await ada.get(`/book?floorId=${floorId}&date=2026-12-05&start=09:00&end=12:00`);
    expect(saturday.statusCode).toBe(200);
    expect(text(saturday.body)).toContain('Sat 5 Dec 2026 is not a working day at this site');
    expect(saturday.body).not.toContain('Reserve desk');
    expect(saturday.body).not.toContain('desks free');
    const early = await ada.get(`/book?floorId=${floorId}&date=2026-12-02&start=05:00&end=09:00`);
    expect(text(early.body)).toContain('Bookings must fall within working hours');
    expect(early.body).not.toContain('Reserve desk');
    const defaults = await ada.get('/book');
    // A text field (Chromium's date input ignores the page's language): the hint names the range.
    expect(text(defaults.body)).toContain('Year-month-day, from 2026-12-01 to 2026-12-29');
  });

  it('a broken rule re-renders the form with the rule message and the input (422)', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await reserve(browser, deskIds[1]!, '2026-12-05', '09:00', '12:00');
    expect(res.statusCode).toBe(422);
    expect(text(res.body)).toContain('Sat 5 Dec 2026 is not a working day at this site');
    expect(res.body).toContain('id="form-error"');
    expect(res.body).toMatch(/id="date"[^>]*aria-describedby="form-error[ "]/);
    expect(res.body).toContain('value="2026-12-05"');
  });

  it('a start in the DST gap is refused with a clear message', async () => {
    clock.set('2027-03-20T08:00:00Z');
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await browser.get(`/book?floorId=${floorId}&date=2027-03-28&start=02:30&end=06:00`);
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toMatch(/2027-03-28 02:30 does not exist in Europe\/Berlin/);
  });

  it('releases, extends and checks in from "My bookings"', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    await reserve(browser, deskIds[0]!, '2026-12-01', '09:00', '12:00');
    const id = (await db.prisma.reservation.findFirstOrThrow()).id;
    clock.set('2026-12-01T07:50:00Z'); // 08:50, check-in window open
    let home = await browser.get('/');
    expect(home.body).toContain('Check in at desk 1.01');
    expect((await browser.post(`/reservations/${id}/check-in`, {})).statusCode).toBe(303);
    clock.set('2026-12-01T09:00:00Z'); // 10:00
    const extended = await browser.post(`/reservations/${id}/extend`, { end: '13:00' });
    expect(extended.statusCode).toBe(303);
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).endsAt.toISOString()).toBe(
      '2026-12-01T12:00:00.000Z',
    );
    const tooLate = await browser.post(`/reservations/${id}/extend`, { end: '21:00' });
    expect(tooLate.statusCode).toBe(422);
    expect(tooLate.body).toMatch(/aria-describedby="booking-error[ "]/);
    home = await browser.get('/');
    expect(home.body).toContain('Release desk 1.01 now');
    expect((await browser.post(`/reservations/${id}/release`, {})).statusCode).toBe(303);
    expect(await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: 'RELEASED',
      endsAt: new Date('2026-12-01T09:00:00Z'),
    });
  });

  it('will not let one person act on another’s booking', async () => {
    const bob = new Browser(app);
    await bob.signIn(bobEmail);
    await reserve(bob, deskIds[2]!);
    const id = (await db.prisma.reservation.findFirstOrThrow()).id;
    const ada = new Browser(app);
    await ada.signIn(adaEmail);
    const res = await ada.post(`/reservations/${id}/cancel`, {});
    expect(res.statusCode).toBe(404);
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status).toBe('BOOKED');
  });

  it('refuses a form post without the CSRF token', async () => {
    const browser = new Browser(app);
    await browser.signIn(adaEmail);
    const res = await browser.post(
      '/reservations',
      { deskId: String(deskIds[0]), date: '2026-12-02', start: '09:00', end: '10:00' },
      { csrf: null },
    );
    expect(res.statusCode).toBe(403);
    expect(await db.prisma.reservation.count()).toBe(0);
  });

  it('books every Tuesday and Thursday for two weeks and says which days were not booked', async () => {
    const bob = new Browser(app);
    await bob.signIn(bobEmail);
    await reserve(bob, deskIds[1]!, '2026-12-08', '09:00', '17:00');
    const ada = new Browser(app);
    await ada.signIn(adaEmail);
    const form = await ada.get(`/book/series?floorId=${floorId}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('On these weekdays');
    const res = await ada.post(
      '/book/series',
      {
        deskId: String(deskIds[1]),
        from: '2026-12-01',
        weeks: '2',
        weekdays: ['2', '4'],
        start: '09:00',
        end: '17:00',
      },
      { csrfFrom: '/book/series' },
    );
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    expect(page).toContain('3 days booked, 1 not booked');
    expect(page).toMatch(/Tuesday 8 December 2026: Desk 1\.02 is already taken/);
    expect(await db.prisma.reservation.count({ where: { deskId: deskIds[1] } })).toBe(4);
  });
});
