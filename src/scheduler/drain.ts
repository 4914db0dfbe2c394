/**
 * Draining due work per cluster: claim (claim.ts) under a lease, one batched pre-query, then the
 * handlers within the budget. The budget is per node in rotation (each node's Maximum Concurrent
 * Requests minus one, src/em/em-cluster.ts). A long drain probes between batches, so a node that
 * answers again joins in, and stops when no node answers (the actions wait, due). Also keeps the
 * measurements rush planning uses (login latency, saturated throughput).
 */
import type { DeviceUser, EmOutcome } from '../em/index.js';
import type { ActionBooking, ActionContext, HandlerDeps } from './action-context.js';
import { claimDueActions, finishAction, type ClaimedAction } from './claim.js';
import type { ClusterClients } from './em-clients.js';
import { handleLogin } from './login-handler.js';
import { handleLogout } from './logout-handler.js';
import type { Outcomes } from './outcomes.js';
import { later, type SchedulerContext } from './scheduler-context.js';

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

export function createDrainer(ctx: SchedulerContext, outcomes: Outcomes) {
  const { prisma, clock, log, metrics, emClients, leaseMs, lanes, instanceId, inFlight } = ctx;
  const { apply } = outcomes;
  /** Recent login latencies per cluster, ms, oldest first (at most LATENCY_SAMPLES). */
  const latency = new Map<number, number[]>();
  /** Wall time per action of recent saturated drains per cluster, ms, oldest first. */
  const throughput = new Map<number, number[]>();
  const semaphores = new Map<number, { size: number; sem: Semaphore }>();
  let claimSeq = 0;

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
      while (!ctx.isStopping()) {
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

  return {
    drainCluster,
    failAll,
    totalBudget,
    plannedServiceMs,
    plannedLatencyMs,
    /** For a cluster as last drained (its budget then). */
    plannedServiceMsNow: (clusterId: number) =>
      plannedServiceMs(clusterId, semaphores.get(clusterId)?.size ?? 1),
  };
}
