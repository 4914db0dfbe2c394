import { Db } from '../db/database.js';
import { asSql, type SqlRunner } from '../db/sql.js';
import { MINUTE_MS } from '../time/clock.js';
import { bookingAction, retiredAction } from './action-keys.js';

/**
 * A due login still waiting for EM after this long is a lasting fault, not a passing one: the
 * facilities home shows it as an alert, facilities staff get one email per episode (when SMTP is
 * set), and the employee is told so. Roost keeps trying all the while.
 */
export const LASTING_WAIT_MS = 15 * MINUTE_MS;

/**
 * Durable phone work, written in the same transaction as the booking change that
 * causes it (nothing about phones lives only in memory). One action per booking and
 * purpose (action-keys.ts), so writing twice is harmless.
 */
type Tx = Pick<Db.PrismaClient, 'phoneAction' | 'phone' | '$queryRaw'>;

interface BookingTimes {
  id: number;
  deskId: number;
  startsAt: Date;
  endsAt: Date;
}

/** Where-clause of a booking's own login or logout (at most one each). */
const own = (reservationId: number, kind: 'LOGIN' | 'LOGOUT') =>
  ({ reservationId, kind, purpose: 'BOOKING' }) as const;

/** A new booking: log its owner in at the start and out at the end (if the desk has a phone). */
export async function schedulePhoneActions(tx: Tx, booking: BookingTimes): Promise<void> {
  const phone = await tx.phone.findUnique({ where: { deskId: booking.deskId }, select: { id: true } });
  if (phone) await schedulePhoneActionsMany(tx, [{ ...booking, phoneId: phone.id }]);
}

/**
 * The same for many bookings whose phone is known, in plain SQL (so the booking path can run it
 * on its own connection: db/sql.ts), a statement per BOOKINGS_PER_INSERT bookings: PostgreSQL
 * takes at most 65 535 parameters in one statement, and each booking's two rows bind 14.
 * Writing a booking's actions twice keeps the first (the idempotency key is unique).
 */
export async function schedulePhoneActionsMany(
  db: SqlRunner,
  bookings: (BookingTimes & { phoneId: number })[],
): Promise<void> {
  for (let from = 0; from < bookings.length; from += BOOKINGS_PER_INSERT) {
    const rows = bookings.slice(from, from + BOOKINGS_PER_INSERT).flatMap((b) =>
      (['LOGIN', 'LOGOUT'] as const).map((kind) => {
        const { idempotencyKey, purpose, seq } = bookingAction(kind, b.id);
        const dueAt = kind === 'LOGIN' ? b.startsAt : b.endsAt;
        return Db.Prisma.sql`(${idempotencyKey}, ${kind}::"PhoneActionKind", ${purpose}::"PhoneActionPurpose",
          ${seq}, ${b.phoneId}, ${b.id}, ${dueAt}::timestamptz, now())`;
      }),
    );
    await asSql(db).rows(Db.Prisma.sql`
      INSERT INTO "PhoneAction" ("idempotencyKey", "kind", "purpose", "seq", "phoneId", "reservationId", "dueAt", "updatedAt")
      VALUES ${Db.Prisma.join(rows)}
      ON CONFLICT ("idempotencyKey") DO NOTHING`);
  }
}

const BOOKINGS_PER_INSERT = 1000;

/**
 * The booking ends earlier or later than planned (release, extend, no-show): move
 * the pending logout. A login that has not run yet and would now start at or after
 * the new end is cancelled: there is nothing left to log in for.
 */
export async function moveLogout(tx: Tx, reservationId: number, endsAt: Date): Promise<void> {
  await tx.phoneAction.updateMany({
    where: { ...own(reservationId, 'LOGOUT'), state: { in: ['PENDING', 'FAILED', 'CONFLICT'] } },
    data: { dueAt: endsAt, state: 'PENDING', attempts: 0, leaseOwner: null, leaseExpiresAt: null },
  });
  // Also re-logins and re-arms the scheduler queued for this booking: a pending one that would
  // run at or after the new end has nothing left to do, and would hold up the logout.
  await tx.phoneAction.updateMany({
    where: { reservationId, kind: 'LOGIN', state: 'PENDING', dueAt: { gte: endsAt } },
    data: { state: 'CANCELLED', lastOutcome: 'booking ended before its login was due' },
  });
}

/**
 * A booking cancelled before it started: no EM call at all if the login never ran.
 * If the login already ran (or is running), the logout is brought forward to `now`.
 */
export async function cancelPhoneActions(tx: Tx, reservationId: number, now: Date): Promise<void> {
  const login = await tx.phoneAction.findFirst({ where: own(reservationId, 'LOGIN') });
  if (!login) return;
  if (login.state === 'PENDING') {
    await tx.phoneAction.updateMany({
      where: { reservationId, purpose: 'BOOKING', state: 'PENDING' },
      data: { state: 'CANCELLED', lastOutcome: 'booking cancelled before start' },
    });
    return;
  }
  await moveLogout(tx, reservationId, now);
}

/**
 * A booking moved to another desk (staff "move"). The old phone's actions are retired
 * (purpose RETIRED) so the booking's own actions follow it to its new phone:
 * a login that never ran is cancelled, one that ran (or is running) gets its logout
 * brought forward to `now`. The new desk's phone (if any) logs the person in at the
 * start, or now when the booking is already under way, and out at the end.
 */
export async function movePhoneActions(tx: Tx, booking: BookingTimes, now: Date): Promise<void> {
  const login = await tx.phoneAction.findFirst({ where: own(booking.id, 'LOGIN') });
  const logout = await tx.phoneAction.findFirst({ where: own(booking.id, 'LOGOUT') });
  const loginRan = login !== null && !['PENDING', 'CANCELLED', 'SKIPPED'].includes(login.state);
  if (login) {
    await tx.phoneAction.update({
      where: { id: login.id },
      data: {
        ...retiredAction(login, now),
        ...(login.state === 'PENDING'
          ? { state: 'CANCELLED' as const, lastOutcome: 'booking moved to another desk' }
          : {}),
      },
    });
  }
  if (logout) {
    const open = ['PENDING', 'FAILED', 'CONFLICT'].includes(logout.state);
    await tx.phoneAction.update({
      where: { id: logout.id },
      data: {
        ...retiredAction(logout, now),
        ...(open && loginRan
          ? { dueAt: now, state: 'PENDING' as const, attempts: 0, leaseOwner: null, leaseExpiresAt: null }
          : open
            ? { state: 'CANCELLED' as const, lastOutcome: 'booking moved to another desk' }
            : {}),
      },
    });
  }
  await schedulePhoneActions(tx, {
    ...booking,
    startsAt: booking.startsAt > now ? booking.startsAt : now,
  });
}
