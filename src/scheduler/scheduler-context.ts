/**
 * What the parts of the scheduler share (scheduler.ts wires them): the database, the injected
 * clock, the log and metrics, the EM clusters, and this instance's identity and leases.
 */
import type { PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import type { SchedulerLog } from './action-context.js';
import type { EmClientRegistry } from './em-clients.js';
import type { PhoneProblem } from './phone-problems.js';
import type { SchedulerMetrics } from './metrics.js';

export interface SchedulerContext {
  prisma: PrismaClient;
  clock: Clock;
  log: SchedulerLog;
  metrics: SchedulerMetrics;
  emClients: EmClientRegistry;
  random: () => number;
  instanceId: string;
  leaseMs: number;
  /** Parallel claim-and-run loops per cluster. */
  lanes: number;
  /** Claimed actions this instance is working on (action id to lease owner), for lease renewal. */
  inFlight: Map<number, string>;
  isStopping(): boolean;
  /** A booking's login needs a person: tell its owner (email), in plain words. */
  onLoginFailed?: (reservationId: number, problem: PhoneProblem) => void;
  /** A cluster's logins have waited LASTING_WAIT_MS: tell facilities (once per episode). */
  onLastingWait?: (wait: LastingWait) => void;
}

/** A cluster's phone actions that have waited for EM long enough to tell facilities. */
export interface LastingWait {
  clusterId: number;
  /** Phone actions waiting for EM (lasting-waits.ts, waitingForEm). */
  count: number;
  /** Since when the oldest one waits. */
  since: Date;
}

export interface ReconcileReport {
  checked: number;
  relogins: number;
  driftLogouts: number;
  failedClusters: number;
}

export const later = (a: Date, b: Date): Date => (a > b ? a : b);

export async function clusterIds(prisma: PrismaClient): Promise<number[]> {
  const rows = await prisma.emCluster.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
  return rows.map((r) => r.id);
}
