import type { FastifyInstance } from 'fastify';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFor, createBookingService } from '../../src/booking/booking-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 20 Oct 2026. Berlin leaves summer time on Sunday 25 Oct, New York on Sunday 1 Nov.
const NOW = '2026-10-20T06:00:00Z';

const BOOKINGS = [
  // 09:00–17:00 local on each side of each change: the UTC instants move by an hour.
  {
    site: 'berlin',
    startsAt: '2026-10-23T07:00:00.000Z',
    endsAt: '2026-10-23T15:00:00.000Z',
    local: '09:00–17:00 CEST',
  },
  {
    site: 'berlin',
    startsAt: '2026-10-26T08:00:00.000Z',
    endsAt: '2026-10-26T16:00:00.000Z',
    local: '09:00–17:00 CET',
  },
  {
    site: 'newYork',
    startsAt: '2026-10-30T13:00:00.000Z',
    endsAt: '2026-10-30T21:00:00.000Z',
    local: '09:00–17:00 EDT',
  },
  {
    site: 'newYork',
    startsAt: '2026-11-02T14:00:00.000Z',
    endsAt: '2026-11-02T22:00:00.000Z',
    local: '09:00–17:00 EST',
  },
] as const;

interface FeedEvent {
  uid: string;
  start: string;
  end: string;
  summary: string;
  location: string;
  description: string;
  status: string;
  sequence: number;
}

function parseFeed(text: string): FeedEvent[] {
  const cal = new ICAL.Component(ICAL.parse(text));
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      summary: e.summary,
      location: e.location,
      description: e.description,
      status: String(v.getFirstPropertyValue('status')),
      sequence: Number(v.getFirstPropertyValue('sequence')),
    };
  });
}

describe.each(dbTargets)('calendar feed and .ics downloads (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let owner: Awaited<ReturnType<typeof createUser>>;
  let other: Awaited<ReturnType<typeof createUser>>;
  let staff: Awaited<ReturnType<typeof createUser>>;
  const reservationIds: number[] = [];
  let cancelledId: number;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const clock = createManualClock(NOW);
    app = await createTestApp(db, clock);
    const berlin = await createSite(db.prisma, { timeZone: 'Europe/Berlin', name: 'Berlin, Spree; HQ' });
    await db.prisma.site.update({
      where: { id: berlin.id },
      data: { address: 'Friedrichstraße 1\n10117 Berlin' },
    });
    const newYork = await createSite(db.prisma, { timeZone: 'America/New_York', name: 'New York' });
    const desks = {
      berlin: await createDesk(db.prisma, (await createFloor(db.prisma, berlin.id, 'Floor 2')).id, {
        label: 'A,1;x',
      }),
      newYork: await createDesk(db.prisma, (await createFloor(db.prisma, newYork.id, '7th floor')).id, {
        label: 'NY-7',
      }),
    };
    owner = await createUser(db.prisma);
    other = await createUser(db.prisma);
    staff = await createUser(db.prisma, { role: 'FACILITIES' });
    const service = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    const actor = actorFor(owner);
    for (const b of BOOKINGS) {
      const r = await service.book({
        actor,
        userId: owner.id,
        deskId: desks[b.site].id,
        startsAt: new Date(b.startsAt),
        endsAt: new Date(b.endsAt),
      });
      reservationIds.push(r.id);
    }
    const toCancel = await service.book({
      actor,
      userId: owner.id,
      deskId: desks.berlin.id,
      startsAt: new Date('2026-10-27T08:00:00Z'),
      endsAt: new Date('2026-10-27T12:00:00Z'),
    });
    await service.cancel({ actor: actorFor(staff), reservationId: toCancel.id });
    cancelledId = toCancel.id;
    // Someone else's booking never shows in the owner's feed.
    await service.book({
      actor: actorFor(other),
      userId: other.id,
      deskId: desks.newYork.id,
      startsAt: new Date('2026-11-03T14:00:00Z'),
      endsAt: new Date('2026-11-03T16:00:00Z'),
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function newFeedUrl(browser: Browser): Promise<string> {
    const res = await browser.post('/account/calendar/reset', {}, { csrfFrom: '/account/calendar' });
    expect(res.statusCode).toBe(200);
    const m = /id="feed-url"[^>]*value="(http:\/\/[^"]+\/calendar\/[\w-]+\.ics)"/.exec(res.body);
    expect(m).not.toBeNull();
    return new URL(m![1]!).pathname;
  }

  it('serves a private feed that a standard parser reads with the right instants across DST', async () => {
    const browser = new Browser(app);
    await browser.signIn(owner.email);
    const path = await newFeedUrl(browser);
    const res = await app.inject({ method: 'GET', url: path });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    for (const line of res.body.split('\r\n'))
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const events = parseFeed(res.body);
    expect(events).toHaveLength(BOOKINGS.length + 1);
    BOOKINGS.forEach((b, i) => {
      const e = events.find((x) => x.uid === `reservation-${reservationIds[i]}@roost`)!;
      expect(e).toBeDefined();
      expect([e.start, e.end]).toEqual([b.startsAt, b.endsAt]);
      expect(e.status).toBe('CONFIRMED');
      expect(e.description).toContain(b.local);
      expect(e.description).toContain(b.site === 'berlin' ? '(Europe/Berlin)' : '(America/New_York)');
    });
    const berlinEvent = events.find((x) => x.uid === `reservation-${reservationIds[0]}@roost`)!;
    expect(berlinEvent.summary).toBe('Desk A,1;x (Berlin, Spree; HQ)');
    expect(berlinEvent.location).toBe(
      'Desk A,1;x, Floor 2, Berlin, Spree; HQ, Friedrichstraße 1\n10117 Berlin',
    );
    const cancelled = events.find((x) => x.uid === `reservation-${cancelledId}@roost`)!;
    expect(cancelled.status).toBe('CANCELLED');
    // Booked, then cancelled: one revision after the first, so calendars replace the entry.
    expect(cancelled.sequence).toBe(1);
    expect(berlinEvent.sequence).toBe(0);
  });

  it('resetting the link revokes the old URL, and turning it off revokes the new one', async () => {
    const browser = new Browser(app);
    await browser.signIn(owner.email);
    const first = await newFeedUrl(browser);
    const second = await newFeedUrl(browser);
    expect(second).not.toBe(first);
    expect((await app.inject({ method: 'GET', url: first })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: second })).statusCode).toBe(200);
    // The page never shows the URL again: only its hash is stored.
    const page = await browser.get('/account/calendar');
    expect(page.body).not.toContain(second);
    expect(page.body).toContain('Reset link');
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id: owner.id } });
    expect(user.calendarTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(second).not.toContain(user.calendarTokenHash!);

    const off = await browser.post('/account/calendar/revoke', {}, { csrfFrom: '/account/calendar' });
    expect(off.statusCode).toBe(303);
    expect((await app.inject({ method: 'GET', url: second })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/calendar/not-a-real-token-at-all-xxxxxxxx.ics' })).statusCode,
    ).toBe(404);
  });

  it('offers each booking as an .ics download to its owner and staff only', async () => {
    const id = reservationIds[1]!;
    const mine = new Browser(app);
    await mine.signIn(owner.email);
    const res = await mine.get(`/reservations/${id}.ics`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="roost-booking-${id}.ics"`);
    expect(res.body).toContain('METHOD:PUBLISH');
    const [event] = parseFeed(res.body);
    expect([event!.start, event!.end]).toEqual([BOOKINGS[1].startsAt, BOOKINGS[1].endsAt]);

    const cancelled = await mine.get(`/reservations/${cancelledId}.ics`);
    expect(parseFeed(cancelled.body)[0]!.status).toBe('CANCELLED');

    const theirs = new Browser(app);
    await theirs.signIn(other.email);
    expect((await theirs.get(`/reservations/${id}.ics`)).statusCode).toBe(404);

    const facilities = new Browser(app);
    await facilities.signIn(staff.email);
    expect((await facilities.get(`/reservations/${id}.ics`)).statusCode).toBe(200);

    const anonymous = await app.inject({ method: 'GET', url: `/reservations/${id}.ics` });
    expect(anonymous.statusCode).not.toBe(200);
  });
});
