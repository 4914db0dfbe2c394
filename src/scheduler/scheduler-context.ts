/**
 * What the parts of the scheduler share (scheduler.ts wires them): the database, the injected
 * clock, the log and metrics, the EM clusters, and this instance's identity and leases.
 */
import type { PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import type { SchedulerLog } from './action-context.js';
import type { EmClientRegistry } from './em-clients.js';
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
  onLoginFailed?: (reservationId: number, message: string) => void;
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
