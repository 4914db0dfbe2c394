/**
 * Housekeeping (at most every `housekeepingSeconds` of the injected clock, see scheduler.ts
 * `housekeepingDue`): bookings past their end become COMPLETED; bookings nobody checked in to
 * become NO_SHOW with their logout moved to now; extended bookings get a re-arm; person-needed
 * failures are revived; and whether staff changed anything phone work depends on.
 */
import { recordAudit, schedulerActor } from '../audit/audit-log.js';
import { rearmAction } from './action-keys.js';
import { moveLogout } from './jobs.js';
import { REVIVE_AFTER_MINUTES } from './retry-policy.js';
import { later, type SchedulerContext } from './scheduler-context.js';
import { DAY_MS, MINUTE_MS } from '../time/clock.js';

/** Re-arm this long before the cluster's own automatic logout would fire. */
const REARM_BEFORE_AUTO_LOGOUT_MS = 3 * MINUTE_MS;

export function createHousekeeping(ctx: SchedulerContext) {
  const { prisma, log, metrics } = ctx;

  async function completeEnded(now: Date): Promise<number> {
    const { count } = await prisma.reservation.updateMany({
      where: { status: { in: ['BOOKED', 'CHECKED_IN'] }, endsAt: { lte: now } },
      data: { status: 'COMPLETED' },
    });
    return count;
  }

  async function releaseNoShows(now: Date): Promise<number> {
    // From each desk's latest started booking (index deskId, startsAt): the cost follows the
    // number of desks, not the number of future bookings.
    const due = await prisma.$queryRaw<{ id: number; endsAt: Date }[]>`
      SELECT r."id", r."endsAt"
      FROM "Desk" d
      JOIN "Floor" f ON f."id" = d."floorId"
      JOIN "BookingPolicy" bp ON bp."siteId" = f."siteId"
      JOIN LATERAL (
        SELECT x."id", x."startsAt", x."endsAt", x."status" FROM "Reservation" x
        WHERE x."deskId" = d."id" AND x."startsAt" < ${now}::timestamptz
          AND x."status" IN ('BOOKED', 'CHECKED_IN')
        ORDER BY x."startsAt" DESC LIMIT 1
      ) r ON true
      WHERE bp."releaseNoShowAfterMinutes" IS NOT NULL
        AND r."status" = 'BOOKED'
        AND r."startsAt" + make_interval(mins => bp."releaseNoShowAfterMinutes") <= ${now}::timestamptz
        AND r."endsAt" > ${now}::timestamptz
      LIMIT 500`;
    let released = 0;
    for (const row of due) {
      const done = await prisma.$transaction(async (tx) => {
        const { count } = await tx.reservation.updateMany({
          where: { id: row.id, status: 'BOOKED' },
          data: { status: 'NO_SHOW', endsAt: now },
        });
        if (count === 0) return false;
        await moveLogout(tx, row.id, now);
        await recordAudit(
          tx,
          schedulerActor,
          {
            action: 'reservation.no_show',
            subjectType: 'reservation',
            subjectId: row.id,
            details: {
              before: { status: 'BOOKED', endsAt: row.endsAt },
              after: { status: 'NO_SHOW', endsAt: now },
            },
          },
          now,
        );
        return true;
      });
      if (done) {
        released++;
        log.info({ bookingId: row.id }, 'no-show released');
      }
    }
    metrics.noShows(released);
    return released;
  }

  /**
   * A booking extended past the end its login armed on the cluster (Phone.emAutoLogoutAt) would be
   * logged out by EM before its end. We cannot see calls, and a re-login restarts the phone, so
   * the re-arm (logout + login with the new duration) runs shortly before the cluster's own
   * logout would have fired: the phone restarts at the moment it would have anyway.
   */
  async function queueRearms(now: Date): Promise<number> {
    // Only phones Roost believes logged in can need a re-arm; their current booking by index.
    const rows = await prisma.$queryRaw<{ id: number; phoneId: number; autoLogoutAt: Date; n: number }[]>`
      SELECT r."id", p."id" AS "phoneId", p."emAutoLogoutAt" AS "autoLogoutAt",
        (SELECT coalesce(max(x."seq"), 0) FROM "PhoneAction" x WHERE x."reservationId" = r."id"
           AND x."purpose" = 'REARM') AS "n"
      FROM "Phone" p
      JOIN LATERAL (
        SELECT y."id", y."userId", y."endsAt" FROM "Reservation" y
        WHERE y."deskId" = p."deskId" AND y."startsAt" <= ${now}::timestamptz
          AND y."status" IN ('BOOKED', 'CHECKED_IN')
        ORDER BY y."startsAt" DESC LIMIT 1
      ) r ON true
      JOIN "User" u ON u."id" = r."userId"
      WHERE p."emUserId" IS NOT NULL AND p."emAutoLogoutAt" IS NOT NULL
        AND r."endsAt" > ${now}::timestamptz
        AND lower(p."emUserId") = lower(u."emUserId")
        AND p."emAutoLogoutAt" < r."endsAt"
        AND NOT EXISTS (SELECT 1 FROM "PhoneAction" a WHERE a."phoneId" = p."id"
           AND a."kind" = 'LOGIN' AND a."state" IN ('PENDING', 'RUNNING'))`;
    for (const row of rows) {
      const dueAt = later(now, new Date(row.autoLogoutAt.getTime() - REARM_BEFORE_AUTO_LOGOUT_MS));
      await prisma.phoneAction.createMany({
        data: [
          {
            ...rearmAction(row.id, Number(row.n) + 1),
            kind: 'LOGIN',
            phoneId: row.phoneId,
            reservationId: row.id,
            dueAt,
          },
        ],
        skipDuplicates: true,
      });
      log.info({ bookingId: row.id, dueAt }, 're-arm queued after extension');
    }
    return rows.length;
  }

  /**
   * Person-needed failures (FAILED: device or user unknown, EM disabled, bad credentials; CONFLICT:
   * a valid occupant) are tried again, with a fresh attempt count, when staff changed the phone,
   * its desk, site or cluster, or the booking's person after the failure (an audit event by
   * someone other than the scheduler: every staff change is audited, with the injected clock), and
   * at least every REVIVE_AFTER_MINUTES. Only while they still matter: a login while its booking is
   * not over, a logout while Roost last saw someone on the phone (for a day).
   */
  async function reviveNeedingPerson(now: Date): Promise<number> {
    const recheck = new Date(now.getTime() - REVIVE_AFTER_MINUTES * MINUTE_MS);
    const dayAgo = new Date(now.getTime() - DAY_MS);
    const revived = await prisma.$executeRaw`
      UPDATE "PhoneAction" a SET "state" = 'PENDING', "dueAt" = ${now}::timestamptz, "attempts" = 0,
        "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "completedAt" = NULL, "updatedAt" = ${now}::timestamptz
      FROM "Phone" p
      LEFT JOIN "Desk" d ON d."id" = p."deskId"
      LEFT JOIN "Floor" f ON f."id" = d."floorId"
      LEFT JOIN "Site" s ON s."id" = f."siteId"
      LEFT JOIN "EmCluster" c ON c."id" = s."emClusterId"
      WHERE p."id" = a."phoneId"
        AND a."state" IN ('FAILED', 'CONFLICT')
        AND a."purpose" <> 'RETIRED'
        AND (
          (a."kind" = 'LOGIN' AND EXISTS (
            SELECT 1 FROM "Reservation" r WHERE r."id" = a."reservationId"
              AND r."status" IN ('BOOKED', 'CHECKED_IN') AND r."endsAt" > ${now}::timestamptz))
          OR (a."kind" = 'LOGOUT' AND p."emUserId" IS NOT NULL AND a."completedAt" > ${dayAgo}::timestamptz)
        )
        AND (
          a."completedAt" IS NULL OR a."completedAt" <= ${recheck}::timestamptz
          OR EXISTS (
            SELECT 1 FROM "AuditEvent" e
            WHERE e."at" > a."completedAt" AND e."actorLabel" <> 'scheduler'
              AND ((e."subjectType" = 'phone' AND e."subjectId" = p."id"::text)
                OR (e."subjectType" = 'desk' AND e."subjectId" = d."id"::text)
                OR (e."subjectType" = 'site' AND e."subjectId" = s."id"::text)
                OR (e."subjectType" = 'emCluster' AND e."subjectId" = c."id"::text)
                OR (e."subjectType" = 'user' AND e."subjectId" IN (
                  SELECT r."userId"::text FROM "Reservation" r WHERE r."id" = a."reservationId")))
          )
        )`;
    if (revived > 0) log.info({ revived }, 'person-needed phone actions tried again');
    return revived;
  }

  /** Whether someone other than the scheduler changed what phone work depends on in (since, until]. */
  async function staffChangedSince(since: Date, until: Date): Promise<boolean> {
    const [row] = await prisma.$queryRaw<{ changed: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM "AuditEvent" e
        WHERE e."at" > ${since}::timestamptz AND e."at" <= ${until}::timestamptz
          AND e."actorLabel" <> 'scheduler'
          AND e."subjectType" IN ('phone', 'desk', 'site', 'emCluster', 'user')
      ) AS "changed"`;
    return row?.changed === true;
  }

  /**
   * After staff put another phone on a desk (a corrected device name is a new Phone row), the
   * desk's bookings' open work follows the desk: pending logins and logouts move to its phone.
   */
  async function rehomeActions(now: Date): Promise<number> {
    const moved = await prisma.$executeRaw`
      UPDATE "PhoneAction" a SET "phoneId" = p."id", "updatedAt" = ${now}::timestamptz
      FROM "Reservation" r
      JOIN "Phone" p ON p."deskId" = r."deskId"
      WHERE a."reservationId" = r."id" AND a."state" = 'PENDING'
        AND a."purpose" IN ('BOOKING', 'RELOGIN', 'REARM') AND a."phoneId" <> p."id"`;
    if (moved > 0) log.info({ moved }, "phone actions moved to their desk's current phone");
    return moved;
  }

  return {
    completeEnded,
    releaseNoShows,
    queueRearms,
    reviveNeedingPerson,
    staffChangedSince,
    rehomeActions,
  };
}

export type Housekeeping = ReturnType<typeof createHousekeeping>;
