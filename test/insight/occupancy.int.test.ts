import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoostError } from '../../src/errors.js';
import { createOccupancyInsight, MAX_RANGE_DAYS, validateRange } from '../../src/insight/occupancy.js';
import { createManualClock } from '../../src/time/clock.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

type Status = 'BOOKED' | 'CHECKED_IN' | 'RELEASED' | 'CANCELLED' | 'NO_SHOW' | 'COMPLETED';

let keys = 0;

describe.each(dbTargets)('occupancy report (%s)', (target) => {
  let db: TestDatabase;
  // Thursday 10 December 2026, 13:00 in Berlin.
  const clock = createManualClock('2026-12-10T12:00:00Z');
  let siteId: number;
  let floorA: number;
  let floorB: number;
  let otherSiteId: number;
  let otherFloor: number;
  let d1: Awaited<ReturnType<typeof createDesk>>;
  let d2: Awaited<ReturnType<typeof createDesk>>;
  let userId: number;
  let dstSiteId: number;
  let dstDesk: Awaited<ReturnType<typeof createDesk>>;

  async function book(deskId: number, startsAt: string, endsAt: string, status: Status) {
    return db.prisma.reservation.create({
      data: { deskId, userId, startsAt: new Date(startsAt), endsAt: new Date(endsAt), status },
    });
  }

  async function login(
    phoneId: number,
    dueAt: string,
    state: 'DONE' | 'FAILED' | 'CONFLICT' | 'SKIPPED',
    delaySeconds: number | null,
    extra: { reservationId?: number; kind?: 'LOGIN' | 'LOGOUT' } = {},
  ) {
    const due = new Date(dueAt);
    await db.prisma.phoneAction.create({
      data: {
        idempotencyKey: `test:${++keys}`,
        kind: extra.kind ?? 'LOGIN',
        phoneId,
        reservationId: extra.reservationId ?? null,
        dueAt: due,
        state,
        attempts: 1,
        completedAt: delaySeconds === null ? null : new Date(due.getTime() + delaySeconds * 1000),
      },
    });
  }

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    siteId = site.id;
    floorA = (await createFloor(db.prisma, siteId, 'A')).id;
    floorB = (await createFloor(db.prisma, siteId, 'B')).id;
    d1 = await createDesk(db.prisma, floorA, { label: 'A1' });
    d2 = await createDesk(db.prisma, floorA, { label: 'A2' });
    const d3 = await createDesk(db.prisma, floorA, { label: 'A3', bookable: false });
    const e1 = await createDesk(db.prisma, floorB, { label: 'B1' });
    userId = (await createUser(db.prisma)).id;

    // Berlin is UTC+1 in December. Monday 7 to Sunday 13 December 2026.
    await book(d2.id, '2026-12-06T23:00:00+01:00', '2026-12-07T01:00:00+01:00', 'COMPLETED'); // before the range, overlaps its first hour
    const r1 = await book(d1.id, '2026-12-07T09:00:00+01:00', '2026-12-07T17:00:00+01:00', 'COMPLETED');
    const r2 = await book(d2.id, '2026-12-07T09:00:00+01:00', '2026-12-07T13:00:00+01:00', 'NO_SHOW');
    const r3 = await book(d1.id, '2026-12-08T09:00:00+01:00', '2026-12-08T11:30:00+01:00', 'RELEASED');
    await book(d2.id, '2026-12-08T10:00:00+01:00', '2026-12-08T12:00:00+01:00', 'CANCELLED');
    const r6 = await book(e1.id, '2026-12-09T09:00:00+01:00', '2026-12-09T10:00:00+01:00', 'COMPLETED');
    await book(d3.id, '2026-12-09T09:00:00+01:00', '2026-12-09T17:00:00+01:00', 'COMPLETED');
    await book(d1.id, '2026-12-11T09:00:00+01:00', '2026-12-11T10:00:00+01:00', 'BOOKED');
    await book(d1.id, '2026-12-12T09:00:00+01:00', '2026-12-12T10:00:00+01:00', 'BOOKED'); // Saturday
    await book(d1.id, '2026-12-14T09:00:00+01:00', '2026-12-14T10:00:00+01:00', 'BOOKED'); // after the range

    await login(d1.phone!.id, '2026-12-07T08:00:00Z', 'DONE', 10, { reservationId: r1.id });
    await login(d1.phone!.id, '2026-12-08T08:00:00Z', 'DONE', 30, { reservationId: r3.id });
    await login(e1.phone!.id, '2026-12-09T08:00:00Z', 'DONE', 20, { reservationId: r6.id });
    await login(d2.phone!.id, '2026-12-07T08:00:00Z', 'FAILED', null, { reservationId: r2.id });
    await login(d1.phone!.id, '2026-12-09T08:00:00Z', 'CONFLICT', null);
    await login(d1.phone!.id, '2026-12-09T09:00:00Z', 'SKIPPED', null);
    await login(d1.phone!.id, '2026-12-07T16:00:00Z', 'DONE', 1000, { kind: 'LOGOUT', reservationId: r1.id });
    await login(d1.phone!.id, '2026-12-20T08:00:00Z', 'DONE', 1000);

    const other = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    otherSiteId = other.id;
    otherFloor = (await createFloor(db.prisma, other.id)).id;
    const elsewhere = await createDesk(db.prisma, otherFloor);
    await book(elsewhere.id, '2026-12-07T09:00:00+01:00', '2026-12-07T17:00:00+01:00', 'NO_SHOW');
    await login(elsewhere.phone!.id, '2026-12-07T08:00:00Z', 'DONE', 1000);

    // Every day a working day, so the clock changes (always on a Sunday) count.
    const dst = await createSite(db.prisma, {
      timeZone: 'Europe/Berlin',
      policy: { workingDays: [1, 2, 3, 4, 5, 6, 7] },
    });
    dstSiteId = dst.id;
    const dstFloor = await createFloor(db.prisma, dst.id);
    dstDesk = await createDesk(db.prisma, dstFloor.id);
    await createDesk(db.prisma, dstFloor.id);
  });
  afterAll(async () => db?.destroy());

  const insight = () => createOccupancyInsight({ prisma: db.prisma, clock });

  it('counts bookings per local day, cancellations apart, with empty days present', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2026-12-07', to: '2026-12-13' });
    expect(
      report.days.map((d) => [d.date, d.weekday, d.bookings, d.noShows, d.released, d.cancelled]),
    ).toEqual([
      ['2026-12-07', 'Mon', 2, 1, 0, 0],
      ['2026-12-08', 'Tue', 1, 0, 1, 1],
      ['2026-12-09', 'Wed', 2, 0, 0, 0],
      ['2026-12-10', 'Thu', 0, 0, 0, 0],
      ['2026-12-11', 'Fri', 1, 0, 0, 0],
      ['2026-12-12', 'Sat', 1, 0, 0, 0],
      ['2026-12-13', 'Sun', 0, 0, 0, 0],
    ]);
    expect(report.days.filter((d) => d.isWorkingDay)).toHaveLength(5);
    expect(report.rangeStartsAt.toISOString()).toBe('2026-12-06T23:00:00.000Z');
    expect(report.rangeEndsAt.toISOString()).toBe('2026-12-13T23:00:00.000Z');
  });

  it('rates no-shows and releases against bookings that have started', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2026-12-07', to: '2026-12-13' });
    expect(report.rates).toEqual({
      startedBookings: 5,
      noShows: 1,
      released: 1,
      noShowRate: 0.2,
      releaseRate: 0.2,
    });
  });

  it('computes utilisation by local hour over working days and bookable desks', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2026-12-07', to: '2026-12-13' });
    expect(report.bookableDesks).toBe(3);
    const byHour = Object.fromEntries(report.hours.map((h) => [h.hour, h]));
    // 5 working days x 3 bookable desks.
    for (const h of report.hours) expect(h.availableDeskHours).toBe(15);
    expect(byHour[0]!.occupiedDeskHours).toBeCloseTo(1); // the booking from the night before, clipped
    expect(byHour[8]!.occupiedDeskHours).toBe(0);
    expect(byHour[9]!.occupiedDeskHours).toBeCloseTo(4); // Mon, Tue, Wed (floor B), Fri; not Sat, not the no-show
    expect(byHour[10]!.occupiedDeskHours).toBeCloseTo(2); // the cancelled booking holds nothing
    expect(byHour[11]!.occupiedDeskHours).toBeCloseTo(1.5); // released at 11:30
    expect(byHour[11]!.utilisation).toBeCloseTo(0.1);
    for (const h of [12, 13, 14, 15, 16]) expect(byHour[h]!.utilisation).toBeCloseTo(1 / 15);
    expect(byHour[17]!.occupiedDeskHours).toBe(0);
    expect(report.hours).toHaveLength(24);
  });

  it('ranks desks by hours held in the range', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2026-12-07', to: '2026-12-13' });
    const pick = (list: typeof report.desks.most) =>
      list.map((d) => [d.label, d.floor, d.bookedHours, d.bookings]);
    expect(pick(report.desks.most)).toEqual([
      ['A1', 'A', 12.5, 4],
      ['A2', 'A', 1, 1],
      ['B1', 'B', 1, 1],
    ]);
    expect(pick(report.desks.least)).toEqual([
      ['A2', 'A', 1, 1],
      ['B1', 'B', 1, 1],
      ['A1', 'A', 12.5, 4],
    ]);
  });

  it('rates phone logins and their delays, leaving out skipped, logout and other actions', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2026-12-07', to: '2026-12-13' });
    expect(report.phoneLogins).toMatchObject({
      done: 3,
      failed: 1,
      conflict: 1,
      attempted: 5,
      successRate: 0.6,
    });
    expect(report.phoneLogins.delayMedianSeconds).toBeCloseTo(20);
    // percentile_cont: 20 + 0.9 x (30 - 20).
    expect(report.phoneLogins.delayP95Seconds).toBeCloseTo(29);
  });

  it('narrows every figure to one floor', async () => {
    const report = await insight().occupancyReport({
      siteId,
      floorId: floorB,
      from: '2026-12-07',
      to: '2026-12-13',
    });
    expect(report.floor?.name).toBe('B');
    expect(report.bookableDesks).toBe(1);
    expect(report.days.map((d) => d.bookings)).toEqual([0, 0, 1, 0, 0, 0, 0]);
    expect(report.hours[9]).toMatchObject({ occupiedDeskHours: 1, availableDeskHours: 5, utilisation: 0.2 });
    expect(report.rates).toMatchObject({ startedBookings: 1, noShows: 0, noShowRate: 0 });
    expect(report.desks.most.map((d) => d.label)).toEqual(['B1']);
    expect(report.phoneLogins).toMatchObject({ done: 1, attempted: 1, successRate: 1 });
    expect(report.phoneLogins.delayMedianSeconds).toBeCloseTo(20);
  });

  it('says "no data" (null) rather than 0% when nothing could be measured', async () => {
    const report = await insight().occupancyReport({ siteId, from: '2027-01-04', to: '2027-01-05' });
    expect(report.rates.noShowRate).toBeNull();
    expect(report.phoneLogins.successRate).toBeNull();
    expect(report.phoneLogins.delayMedianSeconds).toBeNull();
    expect(report.hours[9]!.utilisation).toBe(0);
  });

  it('follows the clocks going forward: 02:00-03:00 does not exist and adds nothing', async () => {
    // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST. A booking 01:00-04:00 local lasts two hours.
    const b = await book(dstDesk.id, '2026-03-29T01:00:00+01:00', '2026-03-29T04:00:00+02:00', 'COMPLETED');
    const report = await insight().occupancyReport({
      siteId: dstSiteId,
      from: '2026-03-29',
      to: '2026-03-29',
    });
    const byHour = Object.fromEntries(report.hours.map((h) => [h.hour, h]));
    expect(byHour[1]).toMatchObject({ occupiedDeskHours: 1, availableDeskHours: 2, utilisation: 0.5 });
    expect(byHour[2]).toMatchObject({ occupiedDeskHours: 0, availableDeskHours: 0, utilisation: null });
    expect(byHour[3]).toMatchObject({ occupiedDeskHours: 1, availableDeskHours: 2, utilisation: 0.5 });
    expect(report.hours.reduce((sum, h) => sum + h.availableDeskHours, 0)).toBe(23 * 2);
    expect(report.days).toEqual([expect.objectContaining({ date: '2026-03-29', bookings: 1 })]);
    expect(report.desks.most[0]).toMatchObject({ deskId: dstDesk.id, bookedHours: 2 });
    // The other desk has no bookings: zero hours, not the length of the range.
    expect(report.desks.least[0]).toMatchObject({ bookedHours: 0, bookings: 0 });
    await db.prisma.reservation.delete({ where: { id: b.id } });
  });

  it('follows the clocks going back: 02:00-03:00 happens twice and counts twice', async () => {
    // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET. 00:00Z-02:00Z is local 02:00-03:00 twice.
    const b = await book(dstDesk.id, '2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z', 'COMPLETED');
    const report = await insight().occupancyReport({
      siteId: dstSiteId,
      from: '2026-10-25',
      to: '2026-10-25',
    });
    const byHour = Object.fromEntries(report.hours.map((h) => [h.hour, h]));
    expect(byHour[2]).toMatchObject({ occupiedDeskHours: 2, availableDeskHours: 4, utilisation: 0.5 });
    expect(byHour[3]).toMatchObject({ occupiedDeskHours: 0, availableDeskHours: 2 });
    expect(report.hours.reduce((sum, h) => sum + h.availableDeskHours, 0)).toBe(25 * 2);
    await db.prisma.reservation.delete({ where: { id: b.id } });
  });

  it('refuses a floor of another site and an unknown site', async () => {
    await expect(
      insight().occupancyReport({ siteId, floorId: otherFloor, from: '2026-12-07', to: '2026-12-13' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      insight().occupancyReport({ siteId: otherSiteId + 1000, from: '2026-12-07', to: '2026-12-13' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('offers every site with its floors, and a default range of four weeks either side of today', async () => {
    const scopes = await insight().scopes();
    expect(scopes.find((s) => s.id === siteId)?.floors.map((f) => f.name)).toEqual(['A', 'B']);
    expect(insight().defaultRange('Europe/Berlin')).toEqual({ from: '2026-11-12', to: '2027-01-07' });
  });
});

describe('range validation', () => {
  const refuse = (from: string, to: string, message: RegExp) => {
    let thrown: unknown;
    try {
      validateRange(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RoostError);
    expect((thrown as RoostError).code).toBe('INVALID_INPUT');
    expect((thrown as RoostError).message).toMatch(message);
  };

  it('accepts one day and exactly the longest range', () => {
    expect(validateRange('2026-12-01', '2026-12-01')).toEqual({ days: 1 });
    expect(validateRange('2026-01-01', '2026-04-02')).toEqual({ days: MAX_RANGE_DAYS });
  });

  it('refuses a start after the end', () => refuse('2026-12-02', '2026-12-01', /after the end date/));
  it('refuses a range one day too long', () =>
    refuse('2026-01-01', '2026-04-03', /93 days; choose at most 92/));
  it('refuses dates that do not exist or are not ISO', () => {
    refuse('2026-02-30', '2026-03-01', /start date "2026-02-30" is not a date/);
    refuse('2026-12-01', '01/12/2026', /end date "01\/12\/2026" is not a date/);
    refuse('', '2026-12-01', /start date "" is not a date/);
  });
});
