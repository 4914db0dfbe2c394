import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAccess } from '../../src/admin/access-revocation.js';
import { createApiTokenStore, createSessionStore } from '../../src/auth/sessions.js';
import { bookingAction } from '../../src/scheduler/action-keys.js';
import { schedulePhoneActions } from '../../src/scheduler/jobs.js';
import { HOUR_MS, createManualClock } from '../../src/time/clock.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

const NOW = '2026-12-01T10:00:00Z';
const at = (offsetHours: number) => new Date(new Date(NOW).getTime() + offsetHours * HOUR_MS);

describe.each(dbTargets)('revokeAccess (%s)', (target) => {
  let db: TestDatabase;
  const clock = createManualClock(NOW);

  beforeAll(async () => {
    db = await createTestDatabase(target);
  });
  afterAll(async () => db?.destroy());

  async function book(
    userId: number,
    deskId: number,
    from: number,
    to: number,
    status: 'BOOKED' | 'CHECKED_IN' = 'BOOKED',
  ) {
    const r = await db.prisma.reservation.create({
      data: { userId, deskId, startsAt: at(from), endsAt: at(to), status },
    });
    await schedulePhoneActions(db.prisma, r);
    return r;
  }

  it('ends sessions and tokens, cancels future bookings, releases the current one and queues its logout', async () => {
    const site = await createSite(db.prisma);
    const floor = await createFloor(db.prisma, site.id);
    const [d1, d2, d3, d4] = [
      await createDesk(db.prisma, floor.id),
      await createDesk(db.prisma, floor.id),
      await createDesk(db.prisma, floor.id),
      await createDesk(db.prisma, floor.id),
    ];
    const person = await createUser(db.prisma);
    const other = await createUser(db.prisma);
    const sessions = createSessionStore(db, clock);
    const tokens = createApiTokenStore(db, clock);
    const session = await sessions.create(person.id);
    const token = await tokens.issue(person.id);
    const otherSession = await sessions.create(other.id);

    const current = await book(person.id, d1.id, -2, 4, 'CHECKED_IN');
    // The current booking's login has run: the phone is logged in.
    await db.prisma.phoneAction.update({
      where: { idempotencyKey: bookingAction('LOGIN', current.id).idempotencyKey },
      data: { state: 'DONE' },
    });
    await db.prisma.phone.update({ where: { id: d1.phone!.id }, data: { emUserId: person.emUserId } });
    // A staff member also logged the person in on d4's phone, with no booking behind it.
    await db.prisma.phone.update({ where: { id: d4.phone!.id }, data: { emUserId: person.emUserId } });
    const future = await book(person.id, d2.id, 24, 30);
    const past = await book(person.id, d3.id, -30, -24, 'BOOKED');
    const othersBooking = await book(other.id, d3.id, 1, 3);

    const admin = { id: null, label: 'scim' };
    const result = await revokeAccess(db.prisma, person.id, admin, 'scim: active false', clock);

    expect(result).toEqual({
      sessionsEnded: 1,
      tokensRevoked: 1,
      cancelledReservationIds: [future.id],
      releasedReservationIds: [current.id],
      otherPhoneIds: [d4.phone!.id],
    });
    expect(await sessions.lookup(session.token)).toBeNull();
    expect(await tokens.lookup(token)).toBeNull();
    expect(await sessions.lookup(otherSession.token)).not.toBeNull();

    const after = async (id: number) => db.prisma.reservation.findUniqueOrThrow({ where: { id } });
    expect((await after(current.id)).status).toBe('RELEASED');
    expect((await after(current.id)).endsAt).toEqual(at(0));
    expect((await after(future.id)).status).toBe('CANCELLED');
    expect((await after(past.id)).status).toBe('BOOKED');
    expect((await after(othersBooking.id)).status).toBe('BOOKED');

    // The phone logout of the current booking is due now; the future booking makes no EM call.
    const logout = await db.prisma.phoneAction.findUniqueOrThrow({
      where: { idempotencyKey: bookingAction('LOGOUT', current.id).idempotencyKey },
    });
    expect(logout).toMatchObject({ state: 'PENDING', dueAt: at(0) });
    const futureActions = await db.prisma.phoneAction.findMany({ where: { reservationId: future.id } });
    expect(futureActions.map((a) => a.state)).toEqual(['CANCELLED', 'CANCELLED']);
    const d4Logout = await db.prisma.phoneAction.findMany({ where: { phoneId: d4.phone!.id } });
    expect(d4Logout).toMatchObject([{ kind: 'LOGOUT', purpose: 'DRIFT', state: 'PENDING', dueAt: at(0) }]);
    // d1's phone is logged out by its booking's own logout, not a second one.
    expect(await db.prisma.phoneAction.count({ where: { phoneId: d1.phone!.id, kind: 'LOGOUT' } })).toBe(1);

    const audit = await db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });
    expect(audit.map((e) => [e.action, e.subjectId, e.actorLabel])).toEqual([
      ['reservation.release', String(current.id), 'scim'],
      ['reservation.cancel', String(future.id), 'scim'],
      ['phone.logout_queued', String(d4.phone!.id), 'scim'],
      ['user.access-revoked', String(person.id), 'scim'],
    ]);
    expect(audit[3]!.details).toMatchObject({ reason: 'scim: active false', sessionsEnded: 1 });
  });

  it('runs inside the caller’s transaction, so a failure afterwards undoes it', async () => {
    const person = await createUser(db.prisma);
    const sessions = createSessionStore(db, clock);
    const session = await sessions.create(person.id);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await revokeAccess(tx, person.id, { id: null, label: 'system' }, 'test', clock);
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await sessions.lookup(session.token)).not.toBeNull();
  });

  it('refuses an unknown person', async () => {
    await expect(revokeAccess(db.prisma, 999_999, { id: null, label: 'system' }, 'x', clock)).rejects.toThrow(
      /999999/,
    );
  });
});
