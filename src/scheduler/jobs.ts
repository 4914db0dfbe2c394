import type { Db } from '../db/database.js';

/**
 * Durable phone work, written in the same transaction as the booking change that
 * causes it (nothing about phones lives only in memory). One action per booking and
 * purpose, keyed `r<id>:login` / `r<id>:logout`, so writing twice is harmless.
 */
type Tx = Pick<Db.PrismaClient, 'phoneAction' | 'phone'>;

interface BookingTimes {
  id: number;
  deskId: number;
  startsAt: Date;
  endsAt: Date;
}

export const loginKey = (reservationId: number) => `r${reservationId}:login`;
export const logoutKey = (reservationId: number) => `r${reservationId}:logout`;

/** A new booking: log its owner in at the start and out at the end (if the desk has a phone). */
export async function schedulePhoneActions(tx: Tx, booking: BookingTimes): Promise<void> {
  const phone = await tx.phone.findUnique({ where: { deskId: booking.deskId }, select: { id: true } });
  if (!phone) return;
  await tx.phoneAction.createMany({
    data: [
      {
        idempotencyKey: loginKey(booking.id),
        kind: 'LOGIN',
        phoneId: phone.id,
        reservationId: booking.id,
        dueAt: booking.startsAt,
      },
      {
        idempotencyKey: logoutKey(booking.id),
        kind: 'LOGOUT',
        phoneId: phone.id,
        reservationId: booking.id,
        dueAt: booking.endsAt,
      },
    ],
    skipDuplicates: true,
  });
}

/** Bulk variant for the seed and imports: one round trip for many bookings. */
export async function schedulePhoneActionsMany(
  tx: Tx,
  bookings: (BookingTimes & { phoneId: number })[],
): Promise<void> {
  if (bookings.length === 0) return;
  await tx.phoneAction.createMany({
    data: bookings.flatMap((b) => [
      {
        idempotencyKey: loginKey(b.id),
        kind: 'LOGIN' as const,
        phoneId: b.phoneId,
        reservationId: b.id,
        dueAt: b.startsAt,
      },
      {
        idempotencyKey: logoutKey(b.id),
        kind: 'LOGOUT' as const,
        phoneId: b.phoneId,
        reservationId: b.id,
        dueAt: b.endsAt,
      },
    ]),
    skipDuplicates: true,
  });
}

/**
 * The booking ends earlier or later than planned (release, extend, no-show): move
 * the pending logout. A login that has not run yet and would now start at or after
 * the new end is cancelled: there is nothing left to log in for.
 */
export async function moveLogout(tx: Tx, reservationId: number, endsAt: Date): Promise<void> {
  await tx.phoneAction.updateMany({
    where: { idempotencyKey: logoutKey(reservationId), state: { in: ['PENDING', 'FAILED', 'CONFLICT'] } },
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
  const login = await tx.phoneAction.findUnique({ where: { idempotencyKey: loginKey(reservationId) } });
  if (!login) return;
  if (login.state === 'PENDING') {
    await tx.phoneAction.updateMany({
      where: {
        idempotencyKey: { in: [loginKey(reservationId), logoutKey(reservationId)] },
        state: 'PENDING',
      },
      data: { state: 'CANCELLED', lastOutcome: 'booking cancelled before start' },
    });
    return;
  }
  await moveLogout(tx, reservationId, now);
}

/**
 * A booking moved to another desk (staff "move"). The old phone's actions are retired
 * under a suffixed key so the standard keys follow the booking to its new phone:
 * a login that never ran is cancelled, one that ran (or is running) gets its logout
 * brought forward to `now`. The new desk's phone (if any) logs the person in at the
 * start, or now when the booking is already under way, and out at the end.
 */
export async function movePhoneActions(tx: Tx, booking: BookingTimes, now: Date): Promise<void> {
  const suffix = `:moved@${now.getTime()}`;
  const login = await tx.phoneAction.findUnique({ where: { idempotencyKey: loginKey(booking.id) } });
  const logout = await tx.phoneAction.findUnique({ where: { idempotencyKey: logoutKey(booking.id) } });
  const loginRan = login !== null && !['PENDING', 'CANCELLED', 'SKIPPED'].includes(login.state);
  if (login) {
    await tx.phoneAction.update({
      where: { id: login.id },
      data: {
        idempotencyKey: login.idempotencyKey + suffix,
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
        idempotencyKey: logout.idempotencyKey + suffix,
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
