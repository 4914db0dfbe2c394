/**
 * The phone scheduler (issues #6 and #12). Level-triggered: the desired state of each phone follows
 * from the bookings (desired-state.ts), EM reports the observed state, and the scheduler keeps
 * driving one to the other. Phone actions are the means and the history, not the truth: a login is
 * never given up while its booking is current, nor a logout while the phone holds someone whose
 * booking is over; only reasons that need a person stop automatic retries (retry-policy.ts), and
 * those are tried again after a staff change and every 15 minutes.
 *
 * `tick(now)` does everything that fell due by `now`:
 * 1. probes EM nodes out of rotation (node-health.ts); a node that answers is drained at once;
 * 2. housekeeping (housekeeping.ts, at most every `housekeepingSeconds` of the injected clock, see
 *    `housekeepingDue`): completion, no-show release, re-arms, reviving person-needed failures;
 * 3. each cluster's coming logins are planned for the rush (rush-planner.ts);
 * 4. due actions are claimed under a lease and carried out per cluster within the budget of its
 *    nodes in rotation (drain.ts), outcomes recorded by outcomes.ts. While no node of a cluster
 *    answers nothing is claimed for it: its due actions wait, and are drained when a probe succeeds;
 * 5. after a staff change (an audited change of a phone, desk, site, cluster or person) the
 *    reconciliation runs in the same tick.
 * Steps 3 and 4 run only when one cheap query (`lookAhead`) says there is work due now, a lease run
 * out, or a login within the planning horizon, so an idle tick is one indexed query however many
 * future actions are stored (bench/morning-rush.ts).
 *
 * `reconcile(now)` (reconcile.ts) compares EM's view with the bookings and queues repairs. node-cron
 * only calls `tick(clock.now())` and `reconcile(clock.now())`; tests call them with a moved clock.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import type { PrismaClient } from '../db/database.js';
import { MINUTE_MS, type Clock } from '../time/clock.js';
import { LOGIN_GRACE_MINUTES, type SchedulerLog } from './action-context.js';
import { createDrainer } from './drain.js';
import type { EmClientRegistry } from './em-clients.js';
import { createHousekeeping } from './housekeeping.js';
import { createSchedulerMetrics, type SchedulerMetrics } from './metrics.js';
import { createNodeHealth } from './node-health.js';
import { createOutcomes } from './outcomes.js';
import { createReconciler } from './reconcile.js';
import { planRush } from './rush-planner.js';
import {
  clusterIds as listClusters,
  later,
  type ReconcileReport,
  type SchedulerContext,
} from './scheduler-context.js';

export interface SchedulerOptions {
  prisma: PrismaClient;
  clock: Clock;
  log: SchedulerLog & { child?(bindings: object): SchedulerLog };
  emClients: EmClientRegistry;
  /** Unique per process; default host:pid:random. */
  instanceId?: string;
  /**
   * How long a claimed action is ours before another instance may take it. Default 20 s, renewed
   * every leaseMs / 4 while the work runs.
   */
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
  /**
   * Extends the lease of the actions this instance is working on (start() does it every
   * leaseMs / 4; tests call it to make renewal deterministic).
   */
  renewLeases(): Promise<void>;
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

export type { ReconcileReport };

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
  let lastHousekeepingMs: number | undefined;
  let stopping = false;
  let running: Promise<unknown> | undefined;
  const tasks: ScheduledTask[] = [];
  let renewal: NodeJS.Timeout | undefined;

  const ctx: SchedulerContext = {
    prisma,
    clock,
    log,
    metrics,
    emClients,
    random,
    instanceId,
    leaseMs,
    lanes,
    inFlight,
    isStopping: () => stopping,
    ...(opts.onLoginFailed ? { onLoginFailed: opts.onLoginFailed } : {}),
  };
  const {
    completeEnded,
    releaseNoShows,
    queueRearms,
    reviveNeedingPerson,
    staffChangedSince,
    rehomeActions,
  } = createHousekeeping(ctx);
  const { drainCluster, failAll, totalBudget, plannedServiceMs, plannedLatencyMs, plannedServiceMsNow } =
    createDrainer(ctx, createOutcomes(ctx));
  const { doReconcile } = createReconciler(ctx);
  const { probeClusters } = createNodeHealth(ctx);
  const clusterIds = () => listClusters(prisma);

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
      if (staffChanged) await rehomeActions(now);
      lastHousekeepingMs = now.getTime();
    }
    // After housekeeping, which may have made work due (a no-show's logout, a re-arm).
    const ahead = await lookAhead();
    const claimAt = later(now, clock.now()).getTime();
    const planHorizon = now.getTime() + 2 * Math.max(0, ahead.maxLeadMinutes) * MINUTE_MS;
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
    plannedServiceMs: plannedServiceMsNow,
    renewLeases,
    tick: (now) => exclusive(() => doTick(now)),
    reconcile: (now) => exclusive(() => doReconcile(now)),
    start() {
      stopping = false;
      // Steps of node-cron's seconds and minutes fields: 1-59 (config.ts refuses anything else).
      const seconds = cronStep('tickSeconds', opts.tickSeconds ?? 2);
      const minutes = cronStep('reconcileMinutes', opts.reconcileMinutes ?? 5);
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

/** A step for a cron seconds or minutes field; a value outside 1-59 is a programming error. */
function cronStep(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 59)
    throw new RangeError(`${name} must be a whole number from 1 to 59, not ${value}`);
  return value;
}
