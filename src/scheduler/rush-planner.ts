/**
 * Rush planning: when more logins fall due around one instant than a cluster can serve by then,
 * the logins of phones that are free beforehand start early (at most the cluster's
 * loginLeadMinutes), so the last phone is ready at the booked time.
 *
 * The cluster is a single queue that serves one login every `serviceMs` (measured login latency ÷
 * the concurrency budget). Planning goes backwards from the latest booking: each login must be
 * finished by its booking's start and by the time the next login in the queue starts. The result
 * is a function of the bookings' start times only, so planning again every tick changes nothing
 * unless the bookings or the measured latency changed.
 *
 * A login whose phone still has work before it (an earlier booking's logout, say) cannot move: it
 * runs right after that work, by the per-phone order of claim.ts.
 */
import type { PrismaClient } from '../db/database.js';
import { slotOf } from './claim.js';
import { MINUTE_MS } from '../time/clock.js';

export interface PlanItem {
  id: number;
  /** The booking's start: when the phone must be ready. */
  targetAt: number;
  movable: boolean;
}

export interface PlanOptions {
  /** Time the cluster needs per login when saturated, ms. */
  serviceMs: number;
  /** The cluster's loginLeadMinutes, in ms. */
  leadMs: number;
  /**
   * Headroom over the estimate (default 1.35): ticks are seconds apart, each one spends time on
   * the database before its first claim, and the last batch of a second may not fill the budget.
   */
  safety?: number;
  /** Logins that would start less than this early stay at their booked time (default 2 s). */
  minShiftMs?: number;
}

/**
 * Planned due time (epoch ms) per item id; items not listed keep their booking's start. Items form
 * segments: runs of logins pushed earlier by the ones after them. A segment whose work fits in
 * `minShiftMs` stays at its booked times (a few logins are served within a tick anyway); a longer
 * one is planned as a whole, so its last login is ready by its booking's start.
 */
export function planLoginStarts(items: PlanItem[], opts: PlanOptions): Map<number, number> {
  const step = opts.serviceMs * (opts.safety ?? 1.35);
  const minShift = opts.minShiftMs ?? 2_000;
  const ordered = items.filter((i) => i.movable).sort((a, b) => b.targetAt - a.targetAt || b.id - a.id);
  const planned = new Map<number, number>();
  let nextStart = Number.POSITIVE_INFINITY;
  let segment: { id: number; start: number }[] = [];
  let segmentEnd = 0;
  const close = () => {
    const first = segment[segment.length - 1];
    if (first && segmentEnd - first.start >= minShift) {
      // Whole seconds, rounded down: never later than the plan.
      for (const s of segment) planned.set(s.id, Math.floor(s.start / 1000) * 1000);
    }
    segment = [];
  };
  for (const item of ordered) {
    if (item.targetAt <= nextStart) {
      close();
      segmentEnd = item.targetAt;
    }
    const finishBy = Math.min(item.targetAt, nextStart);
    const start = Math.max(finishBy - step, item.targetAt - opts.leadMs);
    nextStart = start;
    segment.push({ id: item.id, start });
  }
  close();
  return planned;
}

interface CandidateRow {
  id: number;
  targetAt: Date;
  dueAt: Date;
  movable: boolean;
}

/**
 * Plans one cluster's coming logins and writes the changed due times. Only first attempts of a
 * booking's own login move (retries keep their backoff). Returns how many due times changed.
 */
export async function planRush(
  prisma: PrismaClient,
  opts: { now: Date; clusterId: number; serviceMs: number; leadMinutes: number },
): Promise<number> {
  const leadMs = Math.max(0, opts.leadMinutes) * MINUTE_MS;
  if (leadMs === 0) return 0;
  const horizon = new Date(opts.now.getTime() + 2 * leadMs);
  const rows = await prisma.$queryRaw<CandidateRow[]>`
    SELECT a."id", r."startsAt" AS "targetAt", a."dueAt",
      NOT EXISTS (
        SELECT 1 FROM "PhoneAction" b
        LEFT JOIN "Reservation" rb ON rb."id" = b."reservationId"
        WHERE b."phoneId" = a."phoneId" AND b."id" <> a."id"
          AND b."state" IN ('PENDING', 'RUNNING')
          AND b."reservationId" IS DISTINCT FROM a."reservationId"
          AND ${slotOf('b', 'rb')} <= r."startsAt"
      ) AS "movable"
    FROM "PhoneAction" a
    JOIN "Reservation" r ON r."id" = a."reservationId"
    JOIN "Phone" p ON p."id" = a."phoneId"
    JOIN "Desk" d ON d."id" = p."deskId"
    JOIN "Floor" f ON f."id" = d."floorId"
    JOIN "Site" s ON s."id" = f."siteId"
    WHERE a."state" = 'PENDING' AND a."kind" = 'LOGIN' AND a."attempts" = 0
      AND a."dueAt" <= ${horizon}::timestamptz
      AND a."purpose" = 'BOOKING'
      AND r."startsAt" > ${opts.now}::timestamptz
      AND r."status" IN ('BOOKED', 'CHECKED_IN')
      AND s."emClusterId" = ${opts.clusterId}::int`;
  if (rows.length === 0) return 0;
  const plan = planLoginStarts(
    rows.map((r) => ({ id: r.id, targetAt: r.targetAt.getTime(), movable: r.movable })),
    { serviceMs: opts.serviceMs, leadMs },
  );
  const nowMs = opts.now.getTime();
  const ids: number[] = [];
  const dues: string[] = [];
  for (const row of rows) {
    const target = row.targetAt.getTime();
    const due = row.dueAt.getTime();
    // Not in a planned segment. Either a small group (it stays at its booked time), or the tail
    // of a rush whose first logins are done: what is left of a segment may fit in minShiftMs, and
    // sending it back to the booked time would make those last phones late. A due time an earlier
    // plan set within the lead is kept.
    const want = plan.get(row.id) ?? (due < target && due >= target - leadMs ? due : target);
    // An action already due stays due: moving it later would only make it later.
    if (due <= nowMs && want > due) continue;
    if (want !== due) {
      ids.push(row.id);
      dues.push(new Date(want).toISOString());
    }
  }
  if (ids.length === 0) return 0;
  return prisma.$executeRaw`
    UPDATE "PhoneAction" a SET "dueAt" = v.due, "updatedAt" = ${opts.now}::timestamptz
    FROM (SELECT unnest(${ids}::int[]) AS id, unnest(${dues}::text[])::timestamptz AS due) v
    WHERE a."id" = v.id AND a."state" = 'PENDING' AND a."attempts" = 0`;
}
