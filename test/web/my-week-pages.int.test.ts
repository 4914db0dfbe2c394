import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 1 Dec 2026, 08:51:30 in Berlin (UTC+1): off the quarter-hour grid on purpose.
const NOW = '2026-12-01T07:51:30Z';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe.each(dbTargets)('confirm, undo, book now, my week, team (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let clock: ManualClock;
  let siteId: number;
  let floorId: number;
  let desks: { id: number; label: string }[];
  let ada: { id: number; email: string; displayName: string };
  let bob: { id: number; email: string; displayName: string };
  let eve: { id: number; email: string; displayName: string };

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin', name: 'Berlin HQ' });
    siteId = site.id;
    floorId = (await createFloor(db.prisma, site.id, 'Floor 1')).id;
    desks = [];
    for (const [i, label] of ['1.01', '1.02', '1.03', '1.04'].entries()) {
      const desk = await createDesk(db.prisma, floorId, { label });
      // Far apart in a row, so "nearest" has one answer.
      desks.push(
        await db.prisma.desk.update({ where: { id: desk.id }, data: { posX: 100 + i * 200, posY: 100 } }),
      );
    }
    ada = await createUser(db.prisma, { homeSiteId: site.id });
    bob = await createUser(db.prisma, { homeSiteId: site.id });
    eve = await createUser(db.prisma, { homeSiteId: site.id });
    const team = await db.prisma.team.create({ data: { name: 'Payments' } });
    await db.prisma.teamMember.createMany({
      data: [
        { teamId: team.id, userId: ada.id },
        { teamId: team.id, userId: bob.id },
      ],
    });
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
    await db.prisma.favouriteDesk.deleteMany();
    await db.prisma.site.update({ where: { id: siteId }, data: { occupantPrivacy: 'TEAM' } });
  });

  const signedIn = async (who: { email: string }) => {
    const b = new Browser(app);
    await b.signIn(who.email);
    return b;
  };
  const reserve = (b: Browser, deskId: number, date: string, start: string, end: string) =>
    b.post(
      '/reservations',
      { deskId: String(deskId), siteId: String(siteId), floorId: String(floorId), date, start, end },
      { csrfFrom: '/book' },
    );
  const find = (b: Browser, q: string) => b.get(`/book?floorId=${floorId}&${q}`);

  it('choosing a desk leads to a confirmation; nothing is booked until it is confirmed', async () => {
    const b = await signedIn(ada);
    const page = await find(b, 'date=2026-12-02&start=09:00&end=17:00');
    expect(page.body).toContain(
      `href="/book/confirm?siteId=${siteId}&amp;floorId=${floorId}&amp;date=2026-12-02`,
    );
    const confirm = await b.get(
      `/book/confirm?floorId=${floorId}&date=2026-12-02&start=09:00&end=17:00&deskId=${desks[1]!.id}`,
    );
    expect(confirm.statusCode).toBe(200);
    expect(text(confirm.body)).toContain('Book desk 1.02?');
    expect(confirm.body).toContain('Confirm booking of desk 1.02');
    expect(await db.prisma.reservation.count()).toBe(0);
  });

  it('book now starts at the current minute and offers only ends the rules allow', async () => {
    const b = await signedIn(ada);
    const page = await find(b, '');
    // 08:51 now: the first end is 09:15 (one grid step away), the last 18:45 (10 h, on the grid).
    expect(page.body).toContain('<option value="09:15"');
    expect(page.body).toMatch(/<option value="18:45" selected>/);
    expect(page.body).not.toContain('<option value="09:00"');
    const now = await find(b, 'now=1&end=12:00');
    expect(text(now.body)).toContain('08:51–12:00 CET');
    clock.set('2026-12-01T07:54:10Z'); // the person looked at the map for a few minutes
    const res = await b.post(
      '/reservations',
      {
        deskId: String(desks[0]!.id),
        floorId: String(floorId),
        date: '2026-12-01',
        start: '08:51',
        end: '12:00',
        now: '1',
      },
      { csrfFrom: '/book' },
    );
    expect(res.statusCode).toBe(303);
    const r = await db.prisma.reservation.findFirstOrThrow();
    expect([r.startsAt.toISOString(), r.endsAt.toISOString()]).toEqual([
      '2026-12-01T07:54:00.000Z',
      '2026-12-01T11:00:00.000Z',
    ]);
    // The extend field offers an hour later, on the grid.
    const home = await b.get('/');
    expect(home.body).toMatch(/id="extend-end-\d+"[^>]*value="13:00"/);
  });

  it('book now says why it is closed on a Saturday', async () => {
    clock.set('2026-12-05T10:00:00Z');
    const b = await signedIn(ada);
    const page = await find(b, 'date=2026-12-07&start=09:00&end=17:00');
    expect(text(page.body)).toContain(
      'Book now is not possible at the moment. Sat 5 Dec 2026 is not a working day',
    );
  });

  it('undo cancels within the first seconds and is refused after', async () => {
    const b = await signedIn(ada);
    const res = await reserve(b, desks[0]!.id, '2026-12-02', '09:00', '17:00');
    const id = (await db.prisma.reservation.findFirstOrThrow()).id;
    expect(res.headers.location).toBe(`/?undo=${id}`);
    const undo = await b.post(`/reservations/${id}/undo`, {});
    expect(undo.statusCode).toBe(303);
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status).toBe('CANCELLED');

    await reserve(b, desks[1]!.id, '2026-12-02', '09:00', '17:00');
    const late = await db.prisma.reservation.findFirstOrThrow({ where: { status: 'BOOKED' } });
    clock.set(new Date(new Date(NOW).getTime() + 31_000));
    expect((await b.get(`/?undo=${late.id}`)).body).not.toContain(`/reservations/${late.id}/undo`);
    await b.post(`/reservations/${late.id}/undo`, {});
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: late.id } })).status).toBe('BOOKED');
  });

  it('filters grey out unmatched desks and keep every checkbox', async () => {
    await db.prisma.desk.update({ where: { id: desks[2]!.id }, data: { features: ['standing'] } });
    await db.prisma.desk.update({ where: { id: desks[3]!.id }, data: { features: ['dual-monitor'] } });
    const b = await signedIn(ada);
    const page = await find(
      b,
      'date=2026-12-02&start=09:00&end=17:00&features=standing&features=dual-monitor',
    );
    expect(page.body).toContain('value="standing"');
    expect(page.body).toContain('value="dual-monitor"');
    expect(page.body.match(/desk-unmatched/g)?.length).toBe(4);
    expect(text(page.body)).toContain('0 of 4 desks free');
    await db.prisma.desk.updateMany({ data: { features: [] } });
  });

  it('names at taken desks follow the site privacy setting', async () => {
    const bobB = await signedIn(bob);
    await reserve(bobB, desks[0]!.id, '2026-12-02', '09:00', '17:00');
    const eveB = await signedIn(eve);
    await reserve(eveB, desks[3]!.id, '2026-12-02', '09:00', '17:00');
    const b = await signedIn(ada);
    const q = 'date=2026-12-02&start=09:00&end=17:00';
    let page = text((await find(b, q)).body);
    expect(page).toContain(`${bob.displayName} sits here`); // teammate
    expect(page).not.toContain(eve.displayName);
    expect((await find(b, q)).body).toContain('Desk 1.01, taken by your team');
    await db.prisma.site.update({ where: { id: siteId }, data: { occupantPrivacy: 'EVERYONE' } });
    page = text((await find(b, q)).body);
    expect(page).toContain(`${eve.displayName} sits here`);
    await db.prisma.site.update({ where: { id: siteId }, data: { occupantPrivacy: 'NOBODY' } });
    page = text((await find(b, q)).body);
    expect(page).not.toContain(bob.displayName);
    expect(page).not.toContain(eve.displayName);
  });

  it('book near my team picks the free desk next to a teammate', async () => {
    const bobB = await signedIn(bob);
    await reserve(bobB, desks[3]!.id, '2026-12-02', '09:00', '17:00');
    const b = await signedIn(ada);
    const res = await b.get(`/book/near-team?floorId=${floorId}&date=2026-12-02&start=09:00&end=17:00`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain(`deskId=${desks[2]!.id}`);
  });

  it('finds a colleague by name and shows my team this week', async () => {
    const bobB = await signedIn(bob);
    await reserve(bobB, desks[1]!.id, '2026-12-02', '09:00', '17:00');
    const b = await signedIn(ada);
    const found = text((await b.get(`/team?q=${encodeURIComponent(bob.displayName)}&date=2026-12-02`)).body);
    expect(found).toMatch(new RegExp(`${bob.displayName} ?: desk 1\\.02, Floor 1, Berlin HQ`));
    const home = text((await b.get('/')).body);
    expect(home).toContain(`${bob.displayName}: desk 1.02 (Floor 1)`);
    expect(home).toContain('Your team: Payments');
  });

  it('a series shows once with "cancel series", which cancels every upcoming day', async () => {
    const b = await signedIn(ada);
    const res = await b.post(
      '/book/series',
      {
        deskId: String(desks[1]!.id),
        from: '2026-12-02',
        weeks: '2',
        weekdays: ['3', '4'],
        start: '09:00',
        end: '17:00',
      },
      { csrfFrom: '/book/series' },
    );
    expect(res.statusCode).toBe(200);
    const ids = (await db.prisma.reservation.findMany({ orderBy: { startsAt: 'asc' } })).map((r) => r.id);
    expect(ids).toHaveLength(4);
    const home = await b.get('/');
    expect(home.body.match(/Cancel whole series at desk 1\.02/g)?.length).toBe(1);
    const day = await b.post(`/reservations/${ids[1]}/cancel`, {});
    expect(day.statusCode).toBe(303);
    const all = await b.post(`/reservations/${ids[0]}/cancel-series`, {});
    expect(all.statusCode).toBe(303);
    expect(await db.prisma.reservation.count({ where: { status: 'BOOKED' } })).toBe(0);
    expect(text((await b.get('/')).body)).toContain('3 days of your series at desk 1.02 cancelled.');
  });

  it('favourites and book again; past bookings page by page', async () => {
    const b = await signedIn(ada);
    const fav = await b.post(`/desks/${desks[2]!.id}/favourite`, { favourite: '1' });
    expect(fav.statusCode).toBe(303);
    let home = await b.get('/');
    expect(home.body).toContain('Book desk 1.03 again');
    expect(home.body).toContain('Remove desk 1.03 from favourites');
    await b.post(`/desks/${desks[2]!.id}/favourite`, { favourite: '0' });
    home = await b.get('/');
    expect(home.body).not.toContain('Book desk 1.03 again');

    for (let i = 0; i < 22; i++)
      await db.prisma.reservation.create({
        data: {
          deskId: desks[0]!.id,
          userId: ada.id,
          startsAt: new Date(Date.UTC(2026, 10, 1 + i, 8)),
          endsAt: new Date(Date.UTC(2026, 10, 1 + i, 9)),
          status: 'COMPLETED',
        },
      });
    const first = await b.get('/bookings/past');
    expect(first.body.match(/<tr><td>/g)?.length).toBe(20);
    expect(first.body).toContain('href="/bookings/past?page=2"');
    const second = await b.get('/bookings/past?page=2');
    expect(second.body.match(/<tr><td>/g)?.length).toBe(2);
    expect(text((await b.get('/')).body)).toContain('Book desk 1.01 again');
  });
});
