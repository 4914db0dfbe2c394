/**
 * Lasting EM faults, told once per episode. When a cluster's oldest due phone action has waited
 * LASTING_WAIT_MS (jobs.ts), facilities are told (ctx.onLastingWait: an email to facilities staff
 * when SMTP is set; the facilities home shows the alert regardless). The episode ends when nothing
 * of the cluster waits any more; the next lasting wait is a new episode.
 *
 * Episodes live in the audit trail (`em.wait_alerted`, `em.wait_cleared` on the cluster), decided
 * under a transaction-scoped advisory lock, so several instances and a restart tell people once.
 */
import { recordAudit, schedulerActor } from '../audit/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import { LASTING_WAIT_MS } from './jobs.js';
import type { LastingWait, SchedulerContext } from './scheduler-context.js';

/** pg_advisory_xact_lock key space of this module (any constant; the cluster id is the second). */
const LOCK_SPACE = 0x52_4f_53; // "ROS"

/**
 * Phone actions waiting for EM, per cluster: pending and either due (no node answers, so nothing
 * was tried) or tried already (EM unreachable or busy; the retry is due later). Since when: the
 * oldest one's first due time, which for a tried booking action is its booking's start or end
 * (the retry moved its due time on). One definition for the Phones page, the facilities home
 * and the facilities notice.
 */
export async function waitingForEm(
  prisma: PrismaClient,
  now: Date,
  clusterId?: number,
): Promise<Map<number, { count: number; since: Date }>> {
  const rows = await prisma.$queryRaw<{ clusterId: number; count: number; since: Date }[]>`
    SELECT s."emClusterId" AS "clusterId", count(*)::int AS "count",
      min(CASE WHEN a."attempts" > 0 AND r."id" IS NOT NULL
        THEN LEAST(a."dueAt", CASE WHEN a."kind" = 'LOGIN' THEN r."startsAt" ELSE r."endsAt" END)
        ELSE a."dueAt" END) AS "since"
    FROM "PhoneAction" a
    LEFT JOIN "Reservation" r ON r."id" = a."reservationId"
    JOIN "Phone" p ON p."id" = a."phoneId"
    JOIN "Desk" d ON d."id" = p."deskId"
    JOIN "Floor" f ON f."id" = d."floorId"
    JOIN "Site" s ON s."id" = f."siteId"
    WHERE a."state" = 'PENDING' AND (a."dueAt" <= ${now}::timestamptz OR a."attempts" > 0)
      AND s."emClusterId" IS NOT NULL
      AND (${clusterId ?? null}::int IS NULL OR s."emClusterId" = ${clusterId ?? null}::int)
    GROUP BY s."emClusterId"`;
  return new Map(rows.map((r) => [r.clusterId, { count: r.count, since: r.since }]));
}

export function createLastingWaits(ctx: SchedulerContext) {
  const { prisma, log } = ctx;

  /** Starts or ends episodes; returns the waits that started one (already recorded). */
  async function watch(now: Date): Promise<LastingWait[]> {
    const waiting = await waitingForEm(prisma, now);
    const clusters = await prisma.emCluster.findMany({ select: { id: true } });
    const started: LastingWait[] = [];
    for (const { id } of clusters) {
      const w = waiting.get(id);
      const lasting = w !== undefined && w.since.getTime() + LASTING_WAIT_MS <= now.getTime();
      const episode = await prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_SPACE}::int, ${id}::int)`;
        const last = await tx.auditEvent.findFirst({
          where: {
            subjectType: 'EmCluster',
            subjectId: String(id),
            action: { in: ['em.wait_alerted', 'em.wait_cleared'] },
          },
          orderBy: { id: 'desc' },
          select: { action: true },
        });
        const open = last?.action === 'em.wait_alerted';
        if (lasting && !open) {
          await recordAudit(
            tx,
            schedulerActor,
            {
              action: 'em.wait_alerted',
              subjectType: 'EmCluster',
              subjectId: id,
              details: { waiting: w.count, since: w.since.toISOString() },
            },
            now,
          );
          return 'started' as const;
        }
        if (!w && open) {
          await recordAudit(
            tx,
            schedulerActor,
            { action: 'em.wait_cleared', subjectType: 'EmCluster', subjectId: id, details: {} },
            now,
          );
          return 'ended' as const;
        }
        return null;
      });
      if (episode === 'started') {
        log.warn(
          { clusterId: id, waiting: w!.count, since: w!.since },
          'phone actions waiting for EM: facilities told',
        );
        started.push({ clusterId: id, count: w!.count, since: w!.since });
      } else if (episode === 'ended') log.info({ clusterId: id }, 'nothing waits for EM any more');
    }
    for (const wait of started) ctx.onLastingWait?.(wait);
    return started;
  }

  return { watch };
}
