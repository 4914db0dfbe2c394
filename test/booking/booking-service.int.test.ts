import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/i18n/render-message.js';
import { formatRange } from '../../src/i18n/formats.js';
import { phoneStatusText } from '../../src/web/api/booking-api.js';
import { actorFor, createBookingService, type BookingActor } from '../../src/booking/booking-service.js';
import { RoostError } from '../../src/errors.js';
import { createManualClock, MINUTE_MS, type ManualClock } from '../../src/time/clock.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';

// Berlin in December is UTC+1: 09:00 local = 08:00Z. Tuesday 1 Dec 2026, 07:00 local.
const NOW = '2026-12-01T06:00:00Z';
const local = (date: string, hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return new Date(Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10), h! - 1, m!));
};

async function rejection(promise: Promise<unknown>): Promise<RoostError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RoostError) return error;
    throw error;
  }
  throw new Error('expected a RoostError');
}

describe.each(dbTargets)('booking service (%s)', (target) => {
  let db: TestDatabase;
  let clock: ManualClock;
  let service: ReturnType<typeof createBookingService>;
  let floorId: number;
  let otherFloorId: number;
  let desks: Awaited<ReturnType<typeof createDesk>>[];
  let ada: BookingActor;
  let bob: BookingActor;
  let frances: BookingActor;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    service = createBookingService({ prisma: db.prisma, sql: db.sql, clock });
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    floorId = (await createFloor(db.prisma, site.id)).id;
    otherFloorId = (await createFloor(db.prisma, site.id)).id;
    desks = [];
    for (const label of ['1.01', '1.02', '1.03']) desks.push(await createDesk(db.prisma, floorId, { label }));
    desks.push(await createDesk(db.prisma, floorId, { label: '1.04', bookable: false }));
    desks.push(await createDesk(db.prisma, otherFloorId, { label: '2.01' }));
    const mk = async (role: 'EMPLOYEE' | 'FACILITIES') => {
      const u = await createUser(db.prisma, { role, homeSiteId: site.id });
      return actorFor(u);
    };
    ada = await mk('EMPLOYEE');
    bob = await mk('EMPLOYEE');
    frances = await mk('FACILITIES');
  });
  afterAll(async () => db?.destroy());

  beforeEach(async () => {
    clock.set(NOW);
    await db.prisma.phoneAction.deleteMany();
    await db.prisma.auditEvent.deleteMany();
    await db.prisma.reservation.deleteMany();
  });

  const deskId = (i: number) => desks[i]!.id;
  const book = (actor: BookingActor, i: number, date: string, from: string, to: string, userId = actor.id!) =>
    service.book({ actor, userId, deskId: deskId(i), startsAt: local(date, from), endsAt: local(date, to) });
  const actionsOf = (reservationId: number) =>
    db.prisma.phoneAction.findMany({ where: { reservationId }, orderBy: { kind: 'asc' } });

  it('books a desk with a LOGIN at the start, a LOGOUT at the end and an audit row, in one go', async () => {
    const r = await book(ada, 0, '2026-12-02', '09:00', '17:00');
    expect(r).toMatchObject({ status: 'BOOKED', userId: ada.id, createdById: ada.id, deskId: deskId(0) });
    const actions = await actionsOf(r.id);
    expect(actions.map((a) => [a.kind, a.state, a.dueAt.toISOString(), a.phoneId])).toEqual([
      ['LOGIN', 'PENDING', '2026-12-02T08:00:00.000Z', desks[0]!.phone!.id],
      ['LOGOUT', 'PENDING', '2026-12-02T16:00:00.000Z', desks[0]!.phone!.id],
    ]);
    const audit = await db.prisma.auditEvent.findMany({ where: { subjectId: String(r.id) } });
    expect(audit).toMatchObject([
      { action: 'reservation.create', actorId: ada.id, subjectType: 'Reservation' },
    ]);
  });

  it('answers "taken" with free desks on the same floor, and writes nothing', async () => {
    await book(ada, 0, '2026-12-02', '09:00', '17:00');
    const error = await rejection(book(bob, 0, '2026-12-02', '12:00', '13:00'));
    expect(error.code).toBe('BOOKING_CONFLICT');
    expect(error.details.taken).toBe('desk');
    // 1.04 is not bookable and 2.01 is on another floor.
    expect((error.details.alternatives as { label: string }[]).map((a) => a.label)).toEqual(['1.02', '1.03']);
    expect(error.message).toMatch(/Desk 1\.01 is already taken for Wed 2 Dec 2026, 12:00–13:00 CET/);
    expect(await db.prisma.reservation.count({ where: { userId: bob.id! } })).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { actorId: bob.id } })).toBe(0);
  });

  // Needs a second connection held open beside the booking's own, which PGlite (one connection)
  // cannot give: it is defined for PostgreSQL only, which CI runs too.
  if (target === 'postgres')
    it('refuses with free desks after the lock when another instance booked the desk while this one waited', async () => {
      const startsAt = local('2026-12-02', '09:00');
      const endsAt = local('2026-12-02', '17:00');
      let lockHeld!: () => void;
      const held = new Promise<void>((resolve) => (lockHeld = resolve));
      let commit!: () => void;
      const committing = new Promise<void>((resolve) => (commit = resolve));
      // The other instance: the desk locked and Bob's booking written, not yet committed.
      const other = db.prisma.$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT "id" FROM "Desk" WHERE "id" = ${deskId(0)} FOR UPDATE`;
          await tx.reservation.create({ data: { deskId: deskId(0), userId: bob.id!, startsAt, endsAt } });
          lockHeld();
          await committing;
        },
        { timeout: 20_000 },
      );
      await held;
      // Ada's peek sees the desk free (Bob's row is not committed), so she waits for the lock.
      const refused = rejection(book(ada, 0, '2026-12-02', '09:00', '17:00'));
      let waiting = 0;
      for (let i = 0; i < 500 && waiting === 0; i++) {
        const [row] = await db.prisma.$queryRaw<{ waiting: number }[]>`
          SELECT count(*)::int AS "waiting" FROM pg_stat_activity
          WHERE "datname" = current_database() AND "wait_event_type" = 'Lock'`;
        waiting = row!.waiting;
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waiting).toBe(1);
      commit();
      await other;
      const error = await refused;
      expect(error.code).toBe('BOOKING_CONFLICT');
      expect(error.details.taken).toBe('desk');
      expect((error.details.alternatives as { label: string }[]).map((a) => a.label)).toEqual([
        '1.02',
        '1.03',
      ]);
      expect(await db.prisma.reservation.count({ where: { userId: ada.id! } })).toBe(0);
    });

  it('answers "taken: person" when the same person already holds another desk', async () => {
    await book(ada, 0, '2026-12-02', '09:00', '12:00');
    const error = await rejection(book(ada, 1, '2026-12-02', '11:00', '13:00'));
    expect(error.code).toBe('BOOKING_CONFLICT');
    expect(error.details.taken).toBe('person');
    expect(error.message).toMatch(/One desk per person at a time/);
  });

  it('allows back-to-back bookings of the same desk', async () => {
    await book(ada, 0, '2026-12-02', '09:00', '12:00');
    await expect(book(bob, 0, '2026-12-02', '12:00', '15:00')).resolves.toMatchObject({ status: 'BOOKED' });
  });

  it('maps the database constraint to a conflict even when the pre-check was skipped by a race', async () => {
    // Simulate the race: a row appears that the constraint catches on insert.
    await db.prisma.reservation.create({
      data: {
        deskId: deskId(2),
        userId: bob.id!,
        startsAt: local('2026-12-03', '09:00'),
        endsAt: local('2026-12-03', '10:00'),
      },
    });
    const error = await rejection(book(ada, 2, '2026-12-03', '09:30', '11:00'));
    expect(error.code).toBe('BOOKING_CONFLICT');
    expect(error.details.taken).toBe('desk');
  });

  it('refuses broken rules with the rule id and writes nothing', async () => {
    const cases: [number, string, string, string, string][] = [
      [0, '2026-12-05', '09:00', '12:00', 'not-a-working-day'],
      [0, '2026-12-02', '06:00', '12:00', 'outside-working-hours'],
      [0, '2026-12-02', '07:00', '18:30', 'too-long'],
      [0, '2027-01-05', '09:00', '12:00', 'too-far-ahead'],
      [3, '2026-12-02', '09:00', '12:00', 'desk-not-bookable'],
      [0, '2026-12-01', '06:30', '08:00', 'in-the-past'],
    ];
    for (const [i, date, from, to, rule] of cases) {
      const error = await rejection(book(ada, i, date, from, to));
      expect([error.code, error.details.rule]).toEqual(['RULE_VIOLATION', rule]);
    }
    expect(await db.prisma.reservation.count()).toBe(0);
  });

  it('enforces the daily limit across desks', async () => {
    await book(ada, 0, '2026-12-02', '09:00', '11:00');
    const error = await rejection(book(ada, 1, '2026-12-02', '14:00', '16:00'));
    expect(error.details.rule).toBe('daily-limit');
  });

  it('lets an employee book only for themselves; staff book on their behalf and may waive calendar rules', async () => {
    const forbidden = await rejection(book(bob, 0, '2026-12-02', '09:00', '11:00', ada.id!));
    expect(forbidden.code).toBe('FORBIDDEN');
    const waiver = await rejection(
      service.book({
        actor: ada,
        userId: ada.id!,
        deskId: deskId(0),
        startsAt: local('2026-12-05', '09:00'),
        endsAt: local('2026-12-05', '10:00'),
        enforcePolicy: false,
      }),
    );
    expect(waiver.code).toBe('FORBIDDEN');

    const r = await service.book({
      actor: frances,
      userId: ada.id!,
      deskId: deskId(0),
      startsAt: local('2026-12-05', '09:00'),
      endsAt: local('2026-12-05', '12:00'),
      enforcePolicy: false,
    });
    expect(r).toMatchObject({ userId: ada.id, createdById: frances.id });
    const [summary] = await service.listForUser(ada.id!);
    expect(summary!.bookedBy).toMatch(/Test User/);
    // Not waivable: a desk out of use.
    const closed = await rejection(
      service.book({
        actor: frances,
        userId: bob.id!,
        deskId: deskId(3),
        startsAt: local('2026-12-02', '09:00'),
        endsAt: local('2026-12-02', '10:00'),
        enforcePolicy: false,
      }),
    );
    expect(closed.details.rule).toBe('desk-not-bookable');
  });

  it('cancels before the start: both phone actions CANCELLED, desk free again', async () => {
    const r = await book(ada, 0, '2026-12-02', '09:00', '17:00');
    const cancelled = await service.cancel({ actor: ada, reservationId: r.id });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', updatedById: ada.id });
    expect((await actionsOf(r.id)).map((a) => a.state)).toEqual(['CANCELLED', 'CANCELLED']);
    await expect(book(bob, 0, '2026-12-02', '09:00', '17:00')).resolves.toBeTruthy();
    expect(await db.prisma.auditEvent.count({ where: { action: 'reservation.cancel' } })).toBe(1);
  });

  it('refuses to cancel a booking that has started, and hides other people’s bookings', async () => {
    const r = await book(ada, 0, '2026-12-01', '09:00', '17:00');
    expect((await rejection(service.cancel({ actor: bob, reservationId: r.id }))).code).toBe('NOT_FOUND');
    clock.set(local('2026-12-01', '09:30'));
    expect((await rejection(service.cancel({ actor: ada, reservationId: r.id }))).message).toMatch(
      /release it/,
    );
  });

  it('releases a current booking at 11:00: ends now, logout due 11:00, desk free at once', async () => {
    const r = await book(ada, 0, '2026-12-01', '09:00', '17:00');
    await db.prisma.phoneAction.updateMany({
      where: { reservationId: r.id, kind: 'LOGIN' },
      data: { state: 'DONE' },
    });
    clock.set(local('2026-12-01', '11:00'));
    const released = await service.release({ actor: ada, reservationId: r.id });
    expect(released).toMatchObject({ status: 'RELEASED', endsAt: local('2026-12-01', '11:00') });
    const logout = (await actionsOf(r.id)).find((a) => a.kind === 'LOGOUT')!;
    expect([logout.state, logout.dueAt.toISOString()]).toEqual(['PENDING', '2026-12-01T10:00:00.000Z']);
    const avail = await service.availability({
      floorId,
      startsAt: local('2026-12-01', '11:00'),
      endsAt: local('2026-12-01', '17:00'),
    });
    expect(avail.desks.find((d) => d.id === deskId(0))!.available).toBe(true);
    await expect(book(bob, 0, '2026-12-01', '11:00', '17:00')).resolves.toBeTruthy();
  });

  it('extends a current booking when the desk is free, moving the logout; refuses when taken', async () => {
    const r = await book(ada, 0, '2026-12-01', '09:00', '12:00');
    clock.set(local('2026-12-01', '10:00'));
    const extended = await service.extend({
      actor: ada,
      reservationId: r.id,
      endsAt: local('2026-12-01', '14:00'),
    });
    expect(extended.endsAt).toEqual(local('2026-12-01', '14:00'));
    const logout = (await actionsOf(r.id)).find((a) => a.kind === 'LOGOUT')!;
    expect(logout.dueAt).toEqual(local('2026-12-01', '14:00'));

    await book(bob, 0, '2026-12-01', '15:00', '17:00');
    const taken = await rejection(
      service.extend({ actor: ada, reservationId: r.id, endsAt: local('2026-12-01', '16:00') }),
    );
    expect([taken.code, taken.details.taken]).toEqual(['BOOKING_CONFLICT', 'desk']);
    const tooLong = await rejection(
      service.extend({ actor: ada, reservationId: r.id, endsAt: local('2026-12-01', '19:30') }),
    );
    expect(tooLong.details.rule).toBe('too-long');
  });

  it('checks in only inside the window', async () => {
    const r = await book(ada, 0, '2026-12-01', '09:00', '12:00');
    clock.set(local('2026-12-01', '08:44'));
    const early = await rejection(service.checkIn({ actor: ada, reservationId: r.id }));
    expect([early.code, early.details.rule]).toEqual(['RULE_VIOLATION', 'check-in-window']);
    expect(early.message).toMatch(/Check-in opens at 08:45/);
    clock.set(local('2026-12-01', '08:45'));
    const done = await service.checkIn({ actor: ada, reservationId: r.id });
    expect(done).toMatchObject({ status: 'CHECKED_IN', checkedInAt: local('2026-12-01', '08:45') });

    const late = await book(bob, 1, '2026-12-01', '09:00', '12:00');
    clock.set(local('2026-12-01', '09:30'));
    expect((await rejection(service.checkIn({ actor: bob, reservationId: late.id }))).message).toMatch(
      /closed at 09:30/,
    );
  });

  it('moves a future booking to another desk: the phone actions follow to the new phone', async () => {
    const r = await book(ada, 0, '2026-12-02', '09:00', '12:00');
    const moved = await service.move({ actor: frances, reservationId: r.id, deskId: deskId(1) });
    expect(moved).toMatchObject({ deskId: deskId(1), updatedById: frances.id });
    const actions = await actionsOf(r.id);
    const live = actions.filter((a) => a.state === 'PENDING');
    expect(live.map((a) => [a.kind, a.phoneId])).toEqual([
      ['LOGIN', desks[1]!.phone!.id],
      ['LOGOUT', desks[1]!.phone!.id],
    ]);
    expect(actions.filter((a) => a.phoneId === desks[0]!.phone!.id).map((a) => a.state)).toEqual([
      'CANCELLED',
      'CANCELLED',
    ]);
    const [summary] = await service.listForUser(ada.id!);
    expect(summary!.desk.label).toBe('1.02');
    expect(summary!.changedBy).toMatch(/Test User/);
  });

  it('moves a current booking whose login ran: old phone logs out now, new phone logs in now', async () => {
    const r = await book(ada, 0, '2026-12-01', '09:00', '12:00');
    await db.prisma.phoneAction.updateMany({
      where: { reservationId: r.id, kind: 'LOGIN' },
      data: { state: 'DONE' },
    });
    clock.set(local('2026-12-01', '10:00'));
    await service.move({ actor: frances, reservationId: r.id, deskId: deskId(2) });
    const actions = await actionsOf(r.id);
    const oldLogout = actions.find((a) => a.kind === 'LOGOUT' && a.phoneId === desks[0]!.phone!.id)!;
    expect([oldLogout.state, oldLogout.dueAt]).toEqual(['PENDING', local('2026-12-01', '10:00')]);
    const newLogin = actions.find((a) => a.kind === 'LOGIN' && a.phoneId === desks[2]!.phone!.id)!;
    expect([newLogin.state, newLogin.dueAt]).toEqual(['PENDING', local('2026-12-01', '10:00')]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'reservation.move' } })).toBe(1);
  });

  it('refuses a move onto a taken desk with alternatives', async () => {
    const r = await book(ada, 0, '2026-12-02', '09:00', '12:00');
    await book(bob, 1, '2026-12-02', '10:00', '11:00');
    const error = await rejection(service.move({ actor: frances, reservationId: r.id, deskId: deskId(1) }));
    expect([error.code, error.details.taken]).toEqual(['BOOKING_CONFLICT', 'desk']);
    expect((error.details.alternatives as { label: string }[]).map((a) => a.label)).toEqual(['1.03']);
  });

  it('books a series day by day and says which days were refused and why', async () => {
    await book(bob, 0, '2026-12-08', '09:00', '17:00');
    const result = await service.bookSeries({
      actor: ada,
      userId: ada.id!,
      deskId: deskId(0),
      dates: ['2026-12-01', '2026-12-03', '2026-12-05', '2026-12-08', '2026-12-10'],
      startTime: '09:00',
      endTime: '17:00',
    });
    expect(result.booked.map((b) => b.date)).toEqual(['2026-12-01', '2026-12-03', '2026-12-10']);
    expect(result.refused.map((r) => [r.date, r.rule])).toEqual([
      ['2026-12-05', 'not-a-working-day'],
      ['2026-12-08', 'taken-desk'],
    ]);
    expect(renderMessage('en', result.refused[1]!.reason)).toMatch(/already taken/);
  });

  it('shows availability: free, taken, mine and out of use, filtered by feature', async () => {
    await db.prisma.desk.update({ where: { id: deskId(2) }, data: { features: ['standing'] } });
    await book(ada, 0, '2026-12-02', '09:00', '12:00');
    await book(bob, 1, '2026-12-02', '11:00', '13:00');
    const result = await service.availability({
      floorId,
      startsAt: local('2026-12-02', '09:00'),
      endsAt: local('2026-12-02', '17:00'),
      forUserId: ada.id!,
    });
    expect(result.desks.map((d) => [d.label, d.available, d.mine])).toEqual([
      ['1.01', false, true],
      ['1.02', false, false],
      ['1.03', true, false],
      ['1.04', false, false],
    ]);
    const standing = await service.availability({
      floorId,
      startsAt: local('2026-12-02', '09:00'),
      endsAt: local('2026-12-02', '17:00'),
      features: ['standing'],
    });
    expect(standing.desks.map((d) => d.label)).toEqual(['1.03']);
    const tooWide = await rejection(
      service.availability({
        floorId,
        startsAt: local('2026-12-02', '09:00'),
        endsAt: new Date(local('2026-12-02', '09:00').getTime() + 15 * 24 * 60 * MINUTE_MS),
      }),
    );
    expect(tooWide.code).toBe('INVALID_INPUT');
  });

  it('lists my bookings with phone status in the site zone', async () => {
    const r = await book(ada, 0, '2026-12-02', '09:00', '12:00');
    let [summary] = await service.listForUser(ada.id!);
    // The domain gives the kind and instant; web/ words it (here as the API does, in English).
    const say = (s: typeof summary) => phoneStatusText('en', s!.phoneStatus!, s!.site.timeZone);
    expect(summary!.phoneStatus).toEqual({ kind: 'pending', at: local('2026-12-02', '09:00') });
    expect(say(summary)).toBe('Phone will log you in at 09:00 CET');
    expect(formatRange('en', summary!.site.timeZone, summary!.startsAt, summary!.endsAt)).toBe(
      'Wed 2 Dec 2026, 09:00–12:00 CET',
    );
    await db.prisma.phoneAction.updateMany({
      where: { reservationId: r.id, kind: 'LOGIN' },
      data: { state: 'FAILED', lastOutcome: 'device not found (EM 23)' },
    });
    [summary] = await service.listForUser(ada.id!);
    // Plain words for the person; the EM reason is kept for facilities, never shown as the message.
    expect(summary!.phoneStatus).toMatchObject({ kind: 'failed', reason: 'device not found (EM 23)' });
    expect(say(summary)).toBe(
      'Your phone could not be logged in automatically. Facilities have been told; Roost tries again as soon as they fix it. Meanwhile you can log in on the phone itself.',
    );
    expect(say(summary)).not.toMatch(/EM|23/);
    // Due for more than a minute and still pending: the phone system is not answering.
    await db.prisma.phoneAction.updateMany({
      where: { reservationId: r.id, kind: 'LOGIN' },
      data: { state: 'PENDING', dueAt: new Date(clock.now().getTime() - 5 * MINUTE_MS) },
    });
    [summary] = await service.listForUser(ada.id!);
    expect(summary!.phoneStatus).toMatchObject({ kind: 'waiting' });
    expect(say(summary)).toBe('Your phone will be logged in as soon as the phone system answers again');
    await db.prisma.phoneAction.updateMany({
      where: { reservationId: r.id, kind: 'LOGIN' },
      data: { state: 'DONE' },
    });
    [summary] = await service.listForUser(ada.id!);
    expect(say(summary)).toBe('Phone logged in');
  });
});
