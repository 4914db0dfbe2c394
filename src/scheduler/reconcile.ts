/**
 * Reconciliation: compares what EM says about each phone of a cluster with the bookings, and queues
 * repairs: a re-login when a current booking's person is missing from the phone, a logout when
 * someone is on a phone with nobody's booking behind it. Runs every `reconcileMinutes`, and at
 * once after a staff change (scheduler.ts).
 */
import { audit } from './action-context.js';
import { decide } from './desired-state.js';
import { driftAction, reloginAction } from './action-keys.js';
import { clusterIds, type ReconcileReport, type SchedulerContext } from './scheduler-context.js';
import { HOUR_MS, MINUTE_MS } from '../time/clock.js';

export function createReconciler(ctx: SchedulerContext) {
  const { prisma, log, metrics, emClients } = ctx;

  async function reconcileCluster(clusterId: number, now: Date, report: ReconcileReport): Promise<void> {
    const cc = await emClients.forCluster(clusterId);
    if (!cc) return;
    const phones = await prisma.phone.findMany({
      where: { desk: { floor: { site: { emClusterId: clusterId } } } },
      select: {
        id: true,
        deviceName: true,
        deskId: true,
        // Work about to run (or running) on the phone: let it finish before judging drift.
        actions: {
          where: {
            OR: [
              { state: 'RUNNING' },
              { state: 'PENDING', dueAt: { lte: new Date(now.getTime() + MINUTE_MS) } },
            ],
          },
          select: { id: true },
          take: 1,
        },
      },
    });
    if (phones.length === 0) return;
    const q = await cc.client.deviceUserQuery(phones.map((p) => p.deviceName));
    if (!q.ok) {
      report.failedClusters++;
      log.warn({ clusterId, reason: q.kind === 'em' ? q.code : q.reason }, 'reconcile query failed');
      return;
    }
    const seen = new Map(q.value.map((d) => [d.deviceName.toLowerCase(), d]));
    const leadMs = cc.info.loginLeadMinutes * MINUTE_MS;
    const bookings = await prisma.reservation.findMany({
      where: {
        deskId: { in: phones.flatMap((p) => (p.deskId === null ? [] : [p.deskId])) },
        status: { in: ['BOOKED', 'CHECKED_IN'] },
        startsAt: { lte: new Date(now.getTime() + leadMs) },
        endsAt: { gt: now },
      },
      select: {
        id: true,
        deskId: true,
        startsAt: true,
        user: { select: { emUserId: true } },
        phoneActions: { select: { purpose: true, seq: true, kind: true, state: true, phoneId: true } },
      },
    });
    const byDesk = new Map<number, typeof bookings>();
    for (const b of bookings) byDesk.set(b.deskId, [...(byDesk.get(b.deskId) ?? []), b]);

    const ids: number[] = [];
    const users: (string | null)[] = [];
    const driftFailed = new Set(
      (
        await prisma.phoneAction.findMany({
          where: {
            phoneId: { in: phones.map((p) => p.id) },
            purpose: 'DRIFT',
            state: 'FAILED',
            completedAt: { gt: new Date(now.getTime() - HOUR_MS) },
          },
          select: { phoneId: true },
        })
      ).map((a) => a.phoneId),
    );
    for (const phone of phones) {
      report.checked++;
      const view = seen.get(phone.deviceName.toLowerCase());
      if (!view || view.state === 'doesNotExist') continue;
      const emUser = view.state === 'loggedIn' ? (view.userId ?? null) : null;
      ids.push(phone.id);
      users.push(emUser);
      const onDesk = byDesk.get(phone.deskId ?? -1) ?? [];
      const current = onDesk.find((b) => b.startsAt <= now);
      // Only this phone's actions count: after staff put another phone on the desk (a corrected
      // device name is a new phone), the booking's own login ran, or failed, on the old one.
      const here = current?.phoneActions.filter((a) => a.phoneId === phone.id) ?? [];
      const decision = decide(
        {
          current: current ? { bookingId: current.id, userId: current.user.emUserId } : null,
          upcoming: onDesk.filter((b) => b !== current).flatMap((b) => b.user.emUserId ?? []),
        },
        {
          em: emUser === null ? { state: 'free' } : { state: 'loggedIn', userId: emUser },
          workQueued:
            phone.actions.length > 0 ||
            here.some((a) => a.kind === 'LOGIN' && (a.state === 'PENDING' || a.state === 'RUNNING')),
          ownLogin: here.find((a) => a.purpose === 'BOOKING' && a.kind === 'LOGIN')?.state ?? null,
          driftFailedRecently: driftFailed.has(phone.id),
        },
      );
      if (decision.kind === 'login' && current) {
        const relogins = current.phoneActions.filter((a) => a.purpose === 'RELOGIN');
        const seq = Math.max(0, ...relogins.map((a) => a.seq)) + 1;
        await prisma.phoneAction.createMany({
          data: [
            {
              ...reloginAction(current.id, seq),
              kind: 'LOGIN',
              phoneId: phone.id,
              reservationId: current.id,
              dueAt: now,
            },
          ],
          skipDuplicates: true,
        });
        await audit(
          prisma,
          {
            action: 'phone.relogin_queued',
            subjectType: 'phone',
            subjectId: phone.id,
            details: {
              deviceName: phone.deviceName,
              bookingId: current.id,
              expected: decision.userId,
              found: emUser,
            },
          },
          now,
        );
        report.relogins++;
        continue;
      }
      if (decision.kind !== 'logout') continue;
      await prisma.phoneAction.createMany({
        data: [
          {
            ...driftAction(phone.id, now),
            kind: 'LOGOUT',
            phoneId: phone.id,
            dueAt: now,
          },
        ],
        skipDuplicates: true,
      });
      await audit(
        prisma,
        {
          action: 'phone.drift_logout_queued',
          subjectType: 'phone',
          subjectId: phone.id,
          details: {
            deviceName: phone.deviceName,
            occupant: decision.occupant,
            reason: 'logged in with no booking behind it',
          },
        },
        now,
      );
      report.driftLogouts++;
    }
    if (ids.length > 0) {
      await prisma.$executeRaw`
        UPDATE "Phone" p SET "emUserId" = v.u, "emCheckedAt" = ${now}::timestamptz,
          "emLoginAt" = CASE WHEN v.u IS NULL THEN NULL ELSE p."emLoginAt" END,
          "emAutoLogoutAt" = CASE WHEN v.u IS NULL THEN NULL ELSE p."emAutoLogoutAt" END
        FROM (SELECT unnest(${ids}::int[]) AS id, unnest(${users}::text[]) AS u) v
        WHERE p."id" = v.id`;
    }
  }

  async function doReconcile(now: Date): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, relogins: 0, driftLogouts: 0, failedClusters: 0 };
    for (const id of await clusterIds(prisma)) {
      try {
        await reconcileCluster(id, now, report);
      } catch (error) {
        report.failedClusters++;
        log.error({ err: error, clusterId: id }, 'reconcile failed for cluster');
      }
    }
    metrics.reconciled(report.relogins + report.driftLogouts);
    if (report.relogins + report.driftLogouts > 0) log.info(report, 'reconciled');
    return report;
  }

  return { doReconcile };
}
