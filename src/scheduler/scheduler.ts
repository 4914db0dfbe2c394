/**
 * The phone scheduler (issue #6). `tick(now)` does everything that fell due by `now`:
 *
 * 1. bookings past their end become COMPLETED; bookings nobody checked in to within the site's
 *    releaseNoShowAfterMinutes become NO_SHOW (one transaction each, audited) and their logout
 *    moves to now;
 * 2. bookings extended beyond the cluster-side automatic logout get a re-arm action;
 * 3. each cluster's coming logins are planned for the rush (rush-planner.ts);
 * 4. due actions are claimed under a lease (claim.ts) and carried out, per cluster, at most
 *    `concurrencyBudget` EM logins/logouts in flight: a rush is a queue, not a burst.
 *
 * Steps 1 and 2 are housekeeping: they run at most every `housekeepingSeconds` (default 15) of the
 * injected clock, see `housekeepingDue`. Steps 3 and 4 run only when one cheap query (`lookAhead`)
 * says there is work due now, a lease run out, or a login within the planning horizon, so an idle
 * tick is one indexed query however many future actions are stored (bench/morning-rush.ts).
 *
 * `reconcile(now)` compares EM's view with the bookings and queues repairs. node-cron only calls
 * `tick(clock.now())` and `reconcile(clock.now())`; tests call them directly with a moved clock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import { recordAudit, schedulerActor } from '../audit/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import type { DeviceUser, EmFailure, EmOutcome } from '../em/index.js';
import type { Clock } from '../time/clock.js';
import {
  audit,
  LOGIN_GRACE_MINUTES,
  sameUser,
  type ActionBooking,
  type ActionContext,
  type HandlerDeps,
  type SchedulerLog,
  type Verdict,
} from './action-context.js';
import { driftAction, rearmAction, reloginAction } from './action-keys.js';
import { claimDueActions, finishAction, rescheduleAction, type ClaimedAction } from './claim.js';
import type { ClusterClients, EmClientRegistry } from './em-clients.js';
import { moveLogout } from './jobs.js';
import { handleLogin } from './login-handler.js';
import { handleLogout } from './logout-handler.js';
import { createSchedulerMetrics, type SchedulerMetrics } from './metrics.js';
import { decideRetry, REVIVE_AFTER_MINUTES } from './retry-policy.js';
import { planRush } from './rush-planner.js';

export interface SchedulerOptions {
  prisma: PrismaClient;
  clock: Clock;
  log: SchedulerLog & { child?(bindings: object): SchedulerLog };
  emClients: EmClientRegistry;
  /** Unique per process; default host:pid:random. */
  instanceId?: string;
  /** How long a claimed action is ours before another instance may take it. Default 120 s. */
  leaseMs?: number;
  metrics?: SchedulerMetrics;
  tickSeconds?: number;
  reconcileMinutes?: number;
  /**
   * Completion, no-show release and re-arm queueing run at most this often (default 15 s of the
   * injected clock; 0 = every tick). See `housekeepingDue` for why that is safe.
   */
  housekeepingSeconds?: number;
  /** Parallel claim-and-run loops per cluster (default 3: some query EM while others run). */
  lanes?: number;
  random?: () => number;
  /**
   * Told when a booking's phone login has failed for good (FAILED or CONFLICT, no more
   * retries), e.g. to email the booking's owner. Must not throw or block.
   */
  onLoginFailed?: (reservationId: number, message: string) => void;
}

export interface Scheduler {
  tick(now: Date): Promise<TickReport>;
  reconcile(now: Date): Promise<ReconcileReport>;
  start(): void;
  /** Stops the cron jobs and waits for a running tick or reconciliation to finish. */
  stop(): Promise<void>;
  readonly instanceId: string;
  readonly metrics: SchedulerMetrics;
  /**
   * The EM login latency rush planning assumes for a cluster, ms: the 95th percentile of the last
   * LATENCY_SAMPLES measured logins (400 ms until the first is measured).
   */
  loginLatencyMs(clusterId: number): number;
  /** The time per login rush planning assumes for a cluster, ms (see `plannedServiceMs`). */
  plannedServiceMs(clusterId: number): number;
}

export interface TickReport {
  claimed: number;
  completed: number;
  noShows: number;
  rearms: number;
  planned: number;
}

export interface ReconcileReport {
  checked: number;
  relogins: number;
  driftLogouts: number;
  failedClusters: number;
}

/** SPEC 2.4: logins take ~0.3-0.4 s on a real node; used until we have measured. */
const DEFAULT_LOGIN_LATENCY_MS = 400;
/**
 * Rush planning assumes the 95th percentile of this many recent logins, not their mean: a plan
 * built on the mean is late whenever the cluster (or our own event loop) is slower than usual for
 * a while, and the last phones of a rush are the ones that pay.
 */
const LATENCY_SAMPLES = 200;
const LATENCY_QUANTILE = 0.95;
/** Saturated drains whose time per login rush planning remembers (it takes the slowest). */
const THROUGHPUT_SAMPLES = 10;
/** Re-arm this long before the cluster's own automatic logout would fire. */
const REARM_BEFORE_AUTO_LOGOUT_MS = 3 * 60_000;

class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly size: number) {}
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { prisma, clock, emClients } = opts;
  const log: SchedulerLog = opts.log.child ? opts.log.child({ module: 'scheduler' }) : opts.log;
  const instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // Short, and renewed every leaseMs / 4 while the work runs (see renewLeases): an instance
  // that dies mid-action holds its work for at most this long before another takes it over.
  const leaseMs = opts.leaseMs ?? 20_000;
  /** Claimed actions being worked on by this instance, for lease renewal. */
  const inFlight = new Map<number, string>();
  const lanes = Math.max(1, opts.lanes ?? 3);
  const metrics = opts.metrics ?? createSchedulerMetrics();
  const random = opts.random ?? Math.random;
  const housekeepingMs = Math.max(0, opts.housekeepingSeconds ?? 15) * 1000;
  /** Recent login latencies per cluster, ms, oldest first (at most LATENCY_SAMPLES). */
  const latency = new Map<number, number[]>();
  /** Wall time per action of recent saturated drains per cluster, ms, oldest first. */
  const throughput = new Map<number, number[]>();
  let lastHousekeepingMs: number | undefined;
  const semaphores = new Map<number, { size: number; sem: Semaphore }>();
  let claimSeq = 0;
  let stopping = false;
  let running: Promise<unknown> | undefined;
  const tasks: ScheduledTask[] = [];
  let renewal: NodeJS.Timeout | undefined;

  const later = (a: Date, b: Date) => (a > b ? a : b);

  /** Logins/logouts in flight at most over the cluster: each node in rotation has its own budget. */
  function totalBudget(cc: ClusterClients): number {
    return cc.info.concurrencyBudget * Math.max(1, cc.cluster.upCount());
  }

  function semaphoreFor(cc: ClusterClients): Semaphore {
    const size = totalBudget(cc);
    const have = semaphores.get(cc.info.id);
    if (have && have.size === size) return have.sem;
    const sem = new Semaphore(size);
    semaphores.set(cc.info.id, { size, sem });
    return sem;
  }

  function noteLatency(clusterId: number, ms: number) {
    const samples = latency.get(clusterId) ?? [];
    samples.push(ms);
    if (samples.length > LATENCY_SAMPLES) samples.shift();
    latency.set(clusterId, samples);
  }

  function noteThroughput(clusterId: number, msPerAction: number) {
    const samples = throughput.get(clusterId) ?? [];
    samples.push(msPerAction);
    if (samples.length > THROUGHPUT_SAMPLES) samples.shift();
    throughput.set(clusterId, samples);
  }

  /**
   * Time per login when the cluster is saturated, as rush planning sees it: the p95 login latency
   * divided by the concurrency budget, or the slowest of the recent saturated drains if that is
   * slower. The latency alone leaves out what Roost does around each call (the pre-query, the
   * claim and the writes, the last batch of a tick not filling the budget); on a busy machine or
   * with PGlite in the same process that is a good part of the time, and a plan that ignores it
   * makes the last phones of a rush late.
   */
  function plannedServiceMs(clusterId: number, budget: number): number {
    const perLogin = plannedLatencyMs(clusterId) / Math.max(1, budget);
    const drains = throughput.get(clusterId) ?? [];
    return Math.max(perLogin, ...drains);
  }

  function plannedLatencyMs(clusterId: number): number {
    const samples = latency.get(clusterId);
    if (!samples || samples.length === 0) return DEFAULT_LOGIN_LATENCY_MS;
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * LATENCY_QUANTILE) - 1)]!;
  }

  // ---- housekeeping -------------------------------------------------------------------------

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
    const recheck = new Date(now.getTime() - REVIVE_AFTER_MINUTES * 60_000);
    const dayAgo = new Date(now.getTime() - 24 * 60 * 60_000);
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

  // ---- running actions ----------------------------------------------------------------------

  async function loadContexts(
    batch: ClaimedAction[],
    seen: Map<string, DeviceUser>,
  ): Promise<ActionContext[]> {
    const rows = await prisma.phoneAction.findMany({
      where: { id: { in: batch.map((a) => a.id) } },
      select: {
        id: true,
        phone: { select: { id: true, deviceName: true, deskId: true } },
        reservation: {
          select: {
            id: true,
            status: true,
            startsAt: true,
            endsAt: true,
            deskId: true,
            user: { select: { id: true, email: true, emUserId: true, deviceProfile: true } },
          },
        },
      },
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return batch.flatMap((action) => {
      const row = byId.get(action.id);
      if (!row) return [];
      return [
        {
          action,
          phone: row.phone,
          booking: row.reservation as ActionBooking | null,
          seen: seen.get(row.phone.deviceName.toLowerCase()),
        },
      ];
    });
  }

  function loginGaveUp(action: ClaimedAction, outcome: string): void {
    if (action.kind === 'LOGIN' && action.reservationId !== null && action.previousOutcome !== outcome)
      opts.onLoginFailed?.(action.reservationId, outcome);
  }

  async function apply(ctx: ActionContext, verdict: Verdict): Promise<void> {
    const { action } = ctx;
    const at = clock.now();
    const fields = {
      jobId: action.id,
      kind: action.kind,
      key: action.idempotencyKey,
      deviceName: ctx.phone.deviceName,
    };
    let kept: boolean;
    if (verdict.kind === 'final') {
      kept = await finishAction(prisma, action, {
        state: verdict.state,
        at,
        emCode: verdict.emCode ?? null,
        outcome: verdict.outcome,
      });
      const label =
        verdict.state === 'DONE'
          ? 'done'
          : verdict.state === 'SKIPPED'
            ? 'skipped'
            : verdict.state === 'FAILED'
              ? 'failed'
              : 'conflict';
      metrics.outcome(action.kind, label);
      // Revived person-needed failures fail again the same way: tell people once, not every 15 min.
      if ((verdict.state === 'FAILED' || verdict.state === 'CONFLICT') && kept)
        loginGaveUp(action, verdict.outcome);
      if (verdict.state === 'FAILED')
        log.error({ ...fields, outcome: verdict.outcome }, 'phone action failed');
      else if (verdict.state === 'CONFLICT')
        log.warn({ ...fields, outcome: verdict.outcome }, 'phone action conflict');
      else log.info({ ...fields, state: verdict.state, outcome: verdict.outcome }, 'phone action finished');
    } else if (verdict.kind === 'wait') {
      kept = await rescheduleAction(prisma, action, {
        dueAt: verdict.dueAt,
        outcome: verdict.outcome,
        keepAttempts: true,
      });
      log.info({ ...fields, dueAt: verdict.dueAt, outcome: verdict.outcome }, 'phone action waits');
    } else {
      const failure: EmFailure = verdict.failure;
      const emCode = failure.kind === 'em' ? failure.code : null;
      const decision = decideRetry(failure, action.attempts, random);
      // Before the action's own write: housekeeping revives a FAILED action when its phone
      // changed after it failed, and this note must not count as such a change.
      await prisma.phone.update({
        where: { id: ctx.phone.id },
        data: { lastEmCode: emCode, lastEmOutcome: verdict.outcome.slice(0, 500) },
      });
      if (decision.retry) {
        const dueAt = new Date(at.getTime() + decision.delayMs);
        kept = await rescheduleAction(prisma, action, { dueAt, emCode, outcome: verdict.outcome });
        metrics.outcome(action.kind, 'retried');
        log.warn(
          { ...fields, emCode, attempts: action.attempts, dueAt, outcome: verdict.outcome },
          'phone action retry',
        );
      } else {
        kept = await finishAction(prisma, action, { state: 'FAILED', at, emCode, outcome: verdict.outcome });
        if (kept) loginGaveUp(action, verdict.outcome);
        metrics.outcome(action.kind, 'failed');
        log.error(
          { ...fields, emCode, attempts: action.attempts, outcome: verdict.outcome },
          'phone action failed',
        );
      }
    }
    if (!kept) log.warn(fields, 'lease lost before the action was recorded; another instance owns it now');
  }

  async function runBatch(cc: ClusterClients, batch: ClaimedAction[], tickNow: Date): Promise<void> {
    const sem = semaphoreFor(cc);
    const names = [...new Set(batch.map((a) => a.deviceName))];
    // One query for the whole batch (SPEC 7.3: look before logging in; not throttled, SPEC 5.4).
    const q = await cc.client.deviceUserQuery(names);
    const seen = new Map<string, DeviceUser>();
    if (q.ok) for (const d of q.value) seen.set(d.deviceName.toLowerCase(), d);
    else log.warn({ clusterId: cc.info.id, reason: q.kind === 'em' ? q.code : q.reason }, 'pre-query failed');
    const contexts = await loadContexts(batch, seen);
    const deps: HandlerDeps = {
      prisma,
      client: cc.client,
      log,
      now: () => later(tickNow, clock.now()),
      throttled: <T>(op: 'login' | 'logout', call: () => Promise<EmOutcome<T>>) =>
        sem.run(async () => {
          const started = performance.now();
          const out = await call();
          if (op === 'login' && (out.ok || out.kind === 'em'))
            noteLatency(cc.info.id, performance.now() - started);
          return out;
        }),
    };
    await Promise.all(
      contexts.map(async (ctx) => {
        try {
          const verdict =
            ctx.action.kind === 'LOGIN' ? await handleLogin(deps, ctx) : await handleLogout(deps, ctx);
          await apply(ctx, verdict);
        } catch (error) {
          // A database or programming error: put the action back with a backoff; if even that
          // fails, its lease runs out and another tick takes it again.
          log.error({ err: error, jobId: ctx.action.id }, 'phone action crashed');
          await apply(ctx, {
            kind: 'retry',
            failure: { ok: false, kind: 'transport', reason: 'internal error' },
            outcome: `internal error: ${(error as Error).message}`.slice(0, 300),
          }).catch(() => undefined);
        }
      }),
    );
  }

  function nextLeaseOwner(): string {
    claimSeq++;
    return `${instanceId}#${claimSeq}`;
  }

  async function drainCluster(clusterId: number, tickNow: Date): Promise<number> {
    let cc: ClusterClients | undefined;
    let problem: string | undefined;
    try {
      cc = await emClients.forCluster(clusterId);
      if (!cc) problem = `EM cluster ${clusterId} does not exist`;
    } catch (error) {
      problem = `EM cluster ${clusterId} cannot be used: ${(error as Error).message}`;
    }
    if (!cc) return failAll(clusterId, problem ?? 'no EM cluster', tickNow);
    // No node in rotation: nothing is claimed; the actions wait (due) until a probe finds a node
    // answering again, and are drained at once then (probeClusters).
    if (cc.cluster.upCount() === 0) return 0;
    const clients = cc;
    let budget = totalBudget(cc);
    let claimed = 0;
    const started = performance.now();
    const lane = async () => {
      while (!stopping) {
        const now = later(tickNow, clock.now());
        // A long drain (a rush) re-admits a node that answers again, and stops when none does.
        await clients.cluster.probe(now.getTime());
        if (clients.cluster.upCount() === 0) return;
        budget = totalBudget(clients);
        const batch = await claimDueActions(prisma, {
          now,
          clusterId,
          limit: budget,
          leaseOwner: nextLeaseOwner(),
          leaseMs,
        });
        if (batch.length === 0) return;
        claimed += batch.length;
        for (const a of batch) {
          metrics.claimed(a.kind, now.getTime() - a.dueAt.getTime());
          inFlight.set(a.id, a.leaseOwner);
        }
        try {
          await runBatch(clients, batch, tickNow);
        } finally {
          for (const a of batch) inFlight.delete(a.id);
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    // Enough work to keep every slot of the budget busy: a throughput sample for rush planning.
    if (claimed >= 2 * budget) noteThroughput(clusterId, (performance.now() - started) / claimed);
    return claimed;
  }

  /** Actions of phones without a cluster (no site cluster, or no desk): nobody can do them. */
  async function failAll(clusterId: number | null, why: string, tickNow: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const now = later(tickNow, clock.now());
      const batch = await claimDueActions(prisma, {
        now,
        clusterId,
        limit: 100,
        leaseOwner: nextLeaseOwner(),
        leaseMs,
      });
      if (batch.length === 0) return total;
      total += batch.length;
      for (const action of batch) {
        metrics.claimed(action.kind, now.getTime() - action.dueAt.getTime());
        // A login for a booking that is over anyway is not worth an alarm.
        const booking = action.reservationId
          ? await prisma.reservation.findUnique({
              where: { id: action.reservationId },
              select: { endsAt: true },
            })
          : null;
        const skip = action.kind === 'LOGIN' && booking !== null && booking.endsAt <= now;
        await finishAction(prisma, action, {
          state: skip ? 'SKIPPED' : 'FAILED',
          at: now,
          outcome: skip ? 'booking already ended' : why,
        });
        metrics.outcome(action.kind, skip ? 'skipped' : 'failed');
        if (!skip) log.error({ jobId: action.id, clusterId, outcome: why }, 'phone action failed');
      }
    }
  }

  /**
   * Extends the lease of every action this instance is still working on (EM calls can be
   * slow: busy retries, a slow node), so a short lease never lets a second instance take
   * over live work, while a dead instance's work is free again within one lease.
   */
  async function renewLeases(): Promise<void> {
    if (inFlight.size === 0) return;
    const until = new Date(clock.now().getTime() + leaseMs);
    for (const [id, owner] of inFlight) {
      await prisma.phoneAction.updateMany({
        where: { id, state: 'RUNNING', leaseOwner: owner },
        data: { leaseExpiresAt: until },
      });
    }
  }

  async function clusterIds(): Promise<number[]> {
    const rows = await prisma.emCluster.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.id);
  }

  /**
   * Whether this tick runs housekeeping (completion, no-show release, re-arm queueing). At most
   * every `housekeepingSeconds` of the injected clock, and always on an instance's first tick or
   * when the clock went back. Why that is safe:
   * - completion (BOOKED/CHECKED_IN -> COMPLETED) is bookkeeping: every rule that matters (a
   *   login's skip, availability, no-show, re-arm, reconciliation) compares `endsAt` with now
   *   itself, so a status a few seconds behind changes no decision;
   * - a no-show is released up to that long after its deadline; the booking's new end and the
   *   logout are the moment of release, so the booking, the audit and the phone agree;
   * - a re-arm is queued up to that long after an extension, but falls due only 3 minutes before
   *   the cluster's automatic logout, which is at least the 5-minute grace after the old end,
   *   and an extension happens before that end, so it is still queued in time.
   * Every one of these queries walks desks or logged-in phones, so running them every 2 s tick
   * was most of an idle tick's cost.
   */
  function housekeepingDue(nowMs: number): boolean {
    return (
      lastHousekeepingMs === undefined ||
      nowMs < lastHousekeepingMs ||
      nowMs - lastHousekeepingMs >= housekeepingMs
    );
  }

  /**
   * One indexed query: the earliest pending due time (the partial index
   * PhoneAction_pending_due_idx, one row read), the earliest lease expiry of running actions
   * (PhoneAction_state_dueAt_idx, only actions in flight) and the longest rush lead of any cluster.
   */
  async function lookAhead(): Promise<{
    nextDueAt: Date | null;
    nextLeaseExpiry: Date | null;
    maxLeadMinutes: number;
  }> {
    const [row] = await prisma.$queryRaw<
      { nextDueAt: Date | null; nextLeaseExpiry: Date | null; maxLeadMinutes: number }[]
    >`
      SELECT
        (SELECT a."dueAt" FROM "PhoneAction" a WHERE a."state" = 'PENDING'
          ORDER BY a."dueAt" LIMIT 1) AS "nextDueAt",
        (SELECT min(a."leaseExpiresAt") FROM "PhoneAction" a WHERE a."state" = 'RUNNING') AS "nextLeaseExpiry",
        (SELECT coalesce(max(c."loginLeadMinutes"), 0)::int FROM "EmCluster" c) AS "maxLeadMinutes"`;
    return row ?? { nextDueAt: null, nextLeaseExpiry: null, maxLeadMinutes: 0 };
  }

  /**
   * Probes the nodes out of rotation whose probe is due (a query each, never a login; no network
   * at all while every node is up). Returns how many came back: their due work is drained now.
   */
  async function probeClusters(now: Date): Promise<number> {
    let recovered = 0;
    for (const cc of emClients.built()) {
      const back = await cc.cluster.probe(now.getTime());
      if (back.length > 0) log.info({ clusterId: cc.info.id, nodes: back }, 'EM answers again: draining');
      recovered += back.length;
    }
    return recovered;
  }

  async function doTick(now: Date): Promise<TickReport> {
    const started = performance.now();
    let completed = 0;
    let noShows = 0;
    let rearms = 0;
    const recovered = await probeClusters(now);
    let staffChanged = false;
    if (housekeepingDue(now.getTime())) {
      if (lastHousekeepingMs !== undefined && lastHousekeepingMs < now.getTime())
        staffChanged = await staffChangedSince(new Date(lastHousekeepingMs), now);
      completed = await completeEnded(now);
      noShows = await releaseNoShows(now);
      rearms = await queueRearms(now);
      await reviveNeedingPerson(now);
      lastHousekeepingMs = now.getTime();
    }
    // After housekeeping, which may have made work due (a no-show's logout, a re-arm).
    const ahead = await lookAhead();
    const claimAt = later(now, clock.now()).getTime();
    const planHorizon = now.getTime() + 2 * Math.max(0, ahead.maxLeadMinutes) * 60_000;
    // planRush only looks at logins due within twice the lead: nothing there, nothing to plan.
    const wantPlan =
      ahead.maxLeadMinutes > 0 && ahead.nextDueAt !== null && ahead.nextDueAt.getTime() <= planHorizon;
    const wantClaims =
      recovered > 0 ||
      (ahead.nextDueAt !== null && ahead.nextDueAt.getTime() <= claimAt) ||
      (ahead.nextLeaseExpiry !== null && ahead.nextLeaseExpiry.getTime() <= claimAt);
    let planned = 0;
    let claimed = 0;
    if (wantPlan || wantClaims) {
      const ids = await clusterIds();
      if (wantPlan) {
        for (const id of ids) {
          const cc = await emClients.forCluster(id).catch(() => undefined);
          if (!cc) continue;
          planned += await planRush(prisma, {
            now,
            clusterId: id,
            serviceMs: plannedServiceMs(id, totalBudget(cc)),
            leadMinutes: cc.info.loginLeadMinutes,
          });
        }
      }
      // Planning may have moved logins to now or earlier.
      if (wantClaims || planned > 0) {
        const counts = await Promise.all([
          ...ids.map((id) => drainCluster(id, now)),
          failAll(
            null,
            "the phone is not at a desk of a site with an EM cluster; set the site's EM cluster",
            now,
          ),
        ]);
        claimed = counts.reduce((a, b) => a + b, 0);
      }
    }
    // Staff changed a phone, desk, site, cluster or person: compare EM with the bookings now rather
    // than at the next reconciliation, so a corrected phone logs its booking in without a button.
    if (staffChanged) {
      await doReconcile(now);
      claimed += await Promise.all((await clusterIds()).map((id) => drainCluster(id, now))).then((c) =>
        c.reduce((a, b) => a + b, 0),
      );
    }
    metrics.tick(performance.now() - started);
    if (claimed > 0 || noShows > 0) log.info({ claimed, completed, noShows, rearms, planned }, 'tick');
    return { claimed, completed, noShows, rearms, planned };
  }

  // ---- reconciliation -----------------------------------------------------------------------

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
              { state: 'PENDING', dueAt: { lte: new Date(now.getTime() + 60_000) } },
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
    const leadMs = cc.info.loginLeadMinutes * 60_000;
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
    for (const phone of phones) {
      report.checked++;
      const view = seen.get(phone.deviceName.toLowerCase());
      if (!view || view.state === 'doesNotExist') continue;
      const emUser = view.state === 'loggedIn' ? (view.userId ?? null) : null;
      ids.push(phone.id);
      users.push(emUser);
      if (phone.actions.length > 0) continue; // work is queued: let it run first
      const onDesk = byDesk.get(phone.deskId ?? -1) ?? [];
      const current = onDesk.find((b) => b.startsAt <= now);
      if (current) {
        const want = current.user.emUserId;
        if (!want || sameUser(emUser, want)) continue;
        // Only this phone's actions count: after staff put another phone on the desk (a corrected
        // device name is a new phone), the booking's own login ran, or failed, on the old one.
        const here = current.phoneActions.filter((a) => a.phoneId === phone.id);
        const login = here.find((a) => a.purpose === 'BOOKING' && a.kind === 'LOGIN');
        // FAILED waits for a person (housekeeping revives it); CANCELLED means no login was wanted.
        if (login && (login.state === 'FAILED' || login.state === 'CANCELLED')) continue;
        if (here.some((a) => a.kind === 'LOGIN' && (a.state === 'PENDING' || a.state === 'RUNNING')))
          continue;
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
            details: { deviceName: phone.deviceName, bookingId: current.id, expected: want, found: emUser },
          },
          now,
        );
        report.relogins++;
        continue;
      }
      if (emUser === null) continue;
      // An early (rush) login of a booking about to start is not drift.
      if (onDesk.some((b) => sameUser(b.user.emUserId, emUser))) continue;
      const recentFailure = await prisma.phoneAction.findFirst({
        where: {
          phoneId: phone.id,
          purpose: 'DRIFT',
          state: 'FAILED',
          completedAt: { gt: new Date(now.getTime() - 60 * 60_000) },
        },
        select: { id: true },
      });
      if (recentFailure) continue;
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
            occupant: emUser,
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
    for (const id of await clusterIds()) {
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

  /** One thing at a time per instance: a tick never overlaps a tick or a reconciliation. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = running ?? Promise.resolve();
    const next = previous.then(work, work);
    running = next.catch(() => undefined);
    return next;
  }

  let tickQueued = false;
  return {
    instanceId,
    metrics,
    loginLatencyMs: plannedLatencyMs,
    plannedServiceMs: (id) => {
      const budget = semaphores.get(id)?.size ?? 1;
      return plannedServiceMs(id, budget);
    },
    tick: (now) => exclusive(() => doTick(now)),
    reconcile: (now) => exclusive(() => doReconcile(now)),
    start() {
      stopping = false;
      const seconds = Math.max(1, Math.min(59, opts.tickSeconds ?? 2));
      const minutes = Math.max(1, Math.min(59, opts.reconcileMinutes ?? 5));
      const onTick = async () => {
        // node-cron's noOverlap covers the cron task; this also skips while a reconcile runs.
        if (tickQueued || stopping) return;
        tickQueued = true;
        try {
          await exclusive(() => doTick(clock.now()));
        } catch (error) {
          metrics.tickFailed();
          log.error({ err: error }, 'tick failed');
        } finally {
          tickQueued = false;
        }
      };
      const onReconcile = async () => {
        if (stopping) return;
        try {
          await exclusive(() => doReconcile(clock.now()));
        } catch (error) {
          log.error({ err: error }, 'reconcile failed');
        }
      };
      tasks.push(
        cron.schedule(`*/${seconds} * * * * *`, onTick, {
          noOverlap: true,
          name: `roost-tick-${instanceId}`,
        }),
      );
      tasks.push(
        cron.schedule(`0 */${minutes} * * * *`, onReconcile, {
          noOverlap: true,
          name: `roost-reconcile-${instanceId}`,
        }),
      );
      renewal = setInterval(() => {
        renewLeases().catch((error: unknown) => log.warn({ err: error }, 'lease renewal failed'));
      }, leaseMs / 4);
      renewal.unref();
      // Catch up at once after a start: whatever fell due while Roost was down.
      void onReconcile().then(onTick);
      log.info({ instanceId, tickSeconds: seconds, reconcileMinutes: minutes }, 'scheduler started');
    },
    async stop() {
      stopping = true;
      for (const task of tasks.splice(0)) await task.destroy();
      await running;
      clearInterval(renewal);
      log.info({ instanceId }, 'scheduler stopped');
    },
  };
}

export { LOGIN_GRACE_MINUTES };
