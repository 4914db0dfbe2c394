import { auditTrail, type Actor } from '../audit/audit-log.js';
import type { Db, PrismaClient } from '../db/database.js';
import { notFound } from '../errors.js';
import { driftAction } from '../scheduler/action-keys.js';
import { cancelPhoneActions, moveLogout } from '../scheduler/jobs.js';
import type { Clock } from '../time/clock.js';

/**
 * One place that takes a person's access away at once (a leaver, SCIM `active: false` or
 * `DELETE`, an account disabled by staff): their sessions and API tokens end, bookings that
 * have not started are cancelled, a booking under way is released now, and the phone logout
 * of that booking is queued through the same durable phone actions the booking service uses
 * (written in this transaction, run by the scheduler). Every step is audited.
 *
 * It does not change the User row itself: the caller marks the account disabled (or not) in
 * the same transaction, so the same function serves "disable" and "delete".
 */
type Tx = Db.Prisma.TransactionClient;

export interface RevocationResult {
  sessionsEnded: number;
  tokensRevoked: number;
  cancelledReservationIds: number[];
  releasedReservationIds: number[];
  /** Phones that held the person without a booking of theirs (e.g. a staff login): logout queued. */
  otherPhoneIds: number[];
}

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

// A transaction client has no $connect (Prisma's deny list), the top-level client has.
const isClient = (db: Tx | PrismaClient): db is PrismaClient =>
  typeof (db as PrismaClient).$connect === 'function';

/** Runs in `db`'s transaction when given one, else opens its own. */
export async function revokeAccess(
  db: Tx | PrismaClient,
  personId: number,
  actor: Actor,
  reason: string,
  clock: Clock,
): Promise<RevocationResult> {
  if (isClient(db)) {
    return db.$transaction((tx) => revokeInTransaction(tx, personId, actor, reason, clock), TX_OPTIONS);
  }
  return revokeInTransaction(db, personId, actor, reason, clock);
}

async function revokeInTransaction(
  tx: Tx,
  personId: number,
  actor: Actor,
  reason: string,
  clock: Clock,
): Promise<RevocationResult> {
  const now = clock.now();
  const audit = auditTrail(tx, actor, now);
  // The same lock a new booking takes: no booking can slip in while access is being revoked.
  const locked = await tx.$queryRaw<{ id: number }[]>`
    SELECT "id" FROM "User" WHERE "id" = ${personId} FOR UPDATE`;
  if (locked.length === 0) throw notFound('person', personId);

  const sessions = await tx.session.deleteMany({ where: { userId: personId } });
  const tokens = await tx.apiToken.updateMany({
    where: { userId: personId, revokedAt: null },
    data: { revokedAt: now },
  });

  const active = await tx.reservation.findMany({
    where: { userId: personId, status: { in: ['BOOKED', 'CHECKED_IN'] }, endsAt: { gt: now } },
    orderBy: { startsAt: 'asc' },
  });
  const cancelled: number[] = [];
  const released: number[] = [];
  for (const r of active as Db.Reservation[]) {
    if (r.startsAt > now) {
      await tx.reservation.update({
        where: { id: r.id },
        data: { status: 'CANCELLED', updatedById: actor.id },
      });
      await cancelPhoneActions(tx, r.id, now);
      await audit('reservation.cancel', 'Reservation', r.id, { userId: personId, reason });
      cancelled.push(r.id);
    } else {
      await tx.reservation.update({
        where: { id: r.id },
        data: { status: 'RELEASED', endsAt: now, updatedById: actor.id },
      });
      // Brings the booking's logout forward to now: the scheduler logs the phone out.
      await moveLogout(tx, r.id, now);
      await audit('reservation.release', 'Reservation', r.id, {
        userId: personId,
        reason,
        before: { endsAt: r.endsAt.toISOString() },
        after: { endsAt: now.toISOString() },
      });
      released.push(r.id);
    }
  }

  // A phone that holds the person with no booking behind it (a staff login, an earlier drift)
  // gets the same kind of logout reconciliation queues for drift, due now.
  const person = await tx.user.findUniqueOrThrow({ where: { id: personId }, select: { emUserId: true } });
  const releasedDesks = active.filter((r) => released.includes(r.id)).map((r) => r.deskId);
  const otherPhones = person.emUserId
    ? await tx.phone.findMany({
        where: {
          emUserId: person.emUserId,
          OR: [{ deskId: null }, { deskId: { notIn: releasedDesks } }],
        },
        select: { id: true, deviceName: true },
      })
    : [];
  for (const phone of otherPhones) {
    await tx.phoneAction.createMany({
      data: [{ ...driftAction(phone.id, now), kind: 'LOGOUT', phoneId: phone.id, dueAt: now }],
      skipDuplicates: true,
    });
    await audit('phone.logout_queued', 'phone', phone.id, {
      deviceName: phone.deviceName,
      userId: personId,
      reason,
    });
  }

  const result: RevocationResult = {
    sessionsEnded: sessions.count,
    tokensRevoked: tokens.count,
    cancelledReservationIds: cancelled,
    releasedReservationIds: released,
    otherPhoneIds: otherPhones.map((p) => p.id),
  };
  await audit('user.access-revoked', 'user', personId, { reason, ...result });
  return result;
}
