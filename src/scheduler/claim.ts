/**
 * Claiming due phone actions under a lease, in SQL (STYLE.md "Time and scheduling", after
 * graphile-worker's getJobs): `FOR UPDATE SKIP LOCKED` lets any number of Roost instances on one
 * PostgreSQL take disjoint actions, and an action whose worker died is taken again once its lease
 * has expired. `now` always comes from the caller's clock, never from the database's.
 *
 * Per-phone order: an action is only claimable when no other open action of the same phone comes
 * before it. The order of an action is its slot: for a booking's own login and logout the
 * booking's start and end (stable, unlike dueAt, which retries and rush planning move), for other
 * actions their due time; at the same slot a LOGOUT goes before a LOGIN. A phone never has two
 * actions running at once.
 */
import { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/database.js';
import { enqueuePhoneEvent } from '../outbox/outbox.js';
import type { ActionPurpose } from './action-keys.js';

export interface ClaimedAction {
  id: number;
  kind: 'LOGIN' | 'LOGOUT';
  phoneId: number;
  deviceName: string;
  reservationId: number | null;
  idempotencyKey: string;
  purpose: ActionPurpose;
  seq: number;
  dueAt: Date;
  /** Including this claim. */
  attempts: number;
  /** The outcome recorded by the previous attempt (null on the first). */
  previousOutcome: string | null;
  leaseOwner: string;
}

export interface ClaimOptions {
  now: Date;
  /** The cluster whose phones to claim for; null = phones with no cluster (or no desk). */
  clusterId: number | null;
  limit: number;
  leaseOwner: string;
  leaseMs: number;
}

/** The action's place in its phone's order (see the module comment). */
export const slotOf = (alias: string, reservationAlias: string) =>
  Prisma.raw(`CASE
      WHEN ${alias}."purpose" = 'BOOKING' AND ${alias}."kind" = 'LOGIN'
        THEN COALESCE(${reservationAlias}."startsAt", ${alias}."dueAt")
      WHEN ${alias}."purpose" = 'BOOKING' AND ${alias}."kind" = 'LOGOUT'
        THEN COALESCE(${reservationAlias}."endsAt", ${alias}."dueAt")
      ELSE ${alias}."dueAt" END`);
const kindRank = (alias: string) => Prisma.raw(`CASE WHEN ${alias}."kind" = 'LOGOUT' THEN 0 ELSE 1 END`);

export async function claimDueActions(prisma: PrismaClient, opts: ClaimOptions): Promise<ClaimedAction[]> {
  const leaseUntil = new Date(opts.now.getTime() + opts.leaseMs);
  const rows = await prisma.$queryRaw<ClaimedAction[]>`
    WITH candidates AS (
      SELECT a."id"
      FROM "PhoneAction" a
      JOIN "Phone" p ON p."id" = a."phoneId"
      LEFT JOIN "Desk" d ON d."id" = p."deskId"
      LEFT JOIN "Floor" f ON f."id" = d."floorId"
      LEFT JOIN "Site" s ON s."id" = f."siteId"
      LEFT JOIN "Reservation" ra ON ra."id" = a."reservationId"
      WHERE (
          (a."state" = 'PENDING' AND a."dueAt" <= ${opts.now}::timestamptz)
          OR (a."state" = 'RUNNING' AND a."leaseExpiresAt" <= ${opts.now}::timestamptz)
        )
        AND s."emClusterId" IS NOT DISTINCT FROM ${opts.clusterId}::int
        AND NOT EXISTS (
          SELECT 1
          FROM "PhoneAction" b
          LEFT JOIN "Reservation" rb ON rb."id" = b."reservationId"
          WHERE b."phoneId" = a."phoneId"
            AND b."id" <> a."id"
            AND b."state" IN ('PENDING', 'RUNNING')
            AND (
              (b."state" = 'RUNNING' AND b."leaseExpiresAt" > ${opts.now}::timestamptz)
              OR (${slotOf('b', 'rb')}, ${kindRank('b')}, b."id") < (${slotOf('a', 'ra')}, ${kindRank('a')}, a."id")
            )
        )
      ORDER BY a."dueAt", ${kindRank('a')}, a."id"
      LIMIT ${opts.limit}
      FOR UPDATE OF a SKIP LOCKED
    )
    UPDATE "PhoneAction" u
    SET "state" = 'RUNNING',
        "leaseOwner" = ${opts.leaseOwner},
        "leaseExpiresAt" = ${leaseUntil}::timestamptz,
        "lastAttemptAt" = ${opts.now}::timestamptz,
        "attempts" = u."attempts" + 1,
        "updatedAt" = ${opts.now}::timestamptz
    FROM candidates c, "Phone" ph
    WHERE u."id" = c."id" AND ph."id" = u."phoneId"
    RETURNING u."id", u."kind"::text AS "kind", u."phoneId", ph."deviceName", u."reservationId", u."idempotencyKey",
              u."purpose"::text AS "purpose", u."seq", u."dueAt", u."attempts", u."leaseOwner",
              u."lastOutcome" AS "previousOutcome"`;
  return rows.sort((x, y) => x.dueAt.getTime() - y.dueAt.getTime() || x.id - y.id);
}

export type FinalState = 'DONE' | 'SKIPPED' | 'FAILED' | 'CONFLICT';

/**
 * Ends a claimed action. Fenced by the lease owner: a worker whose lease expired and was taken over
 * changes nothing (returns false). Writes the action's webhook event in the same transaction.
 */
export async function finishAction(
  prisma: PrismaClient,
  action: ClaimedAction,
  result: { state: FinalState; at: Date; emCode?: number | null; outcome: string },
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.phoneAction.updateMany({
      where: { id: action.id, state: 'RUNNING', leaseOwner: action.leaseOwner },
      data: {
        state: result.state,
        completedAt: result.at,
        leaseOwner: null,
        leaseExpiresAt: null,
        lastEmCode: result.emCode ?? null,
        lastOutcome: result.outcome.slice(0, 500),
      },
    });
    // The webhook event (phone.logged_in/logged_out/failed) commits with the final state.
    if (count === 1) await enqueuePhoneEvent(tx, { ...action, ...result }, result.at);
    return count === 1;
  });
}

/** Back in the queue at `dueAt` (retry with backoff, or wait for a booking's start). */
export async function rescheduleAction(
  prisma: PrismaClient,
  action: ClaimedAction,
  result: { dueAt: Date; emCode?: number | null; outcome: string; keepAttempts?: boolean },
): Promise<boolean> {
  const { count } = await prisma.phoneAction.updateMany({
    where: { id: action.id, state: 'RUNNING', leaseOwner: action.leaseOwner },
    data: {
      state: 'PENDING',
      dueAt: result.dueAt,
      leaseOwner: null,
      leaseExpiresAt: null,
      lastEmCode: result.emCode ?? null,
      lastOutcome: result.outcome.slice(0, 500),
      ...(result.keepAttempts ? { attempts: action.attempts - 1 } : {}),
    },
  });
  return count === 1;
}
