/**
 * One EM cluster client per EmCluster row (its serviceUrl lists the nodes, comma-separated; see
 * src/em/em-cluster.ts), built lazily from the row and rebuilt when the row changes (its updatedAt
 * moves). Sites without a cluster get no client; their actions fail with a message a person can
 * act on.
 */
import { resolveSecret, type Config } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import { createEmCluster, nodeUrlList, type EmCluster } from '../em/em-cluster.js';
import type { EmClient, EmLogger } from '../em/index.js';
import type { Clock } from '../time/clock.js';

export { nodeUrlList };

export interface ClusterInfo {
  id: number;
  name: string;
  /** Per node: logins/logouts in flight at most (its Maximum Concurrent Requests minus one). */
  concurrencyBudget: number;
  maxConcurrentRequests: number;
  loginLeadMinutes: number;
  nodeUrls: string[];
}

export interface ClusterClients {
  info: ClusterInfo;
  /** For scheduled work: the client's default timeout, 26 retried inside. */
  client: EmClient;
  /** For pages: short timeout, so a slow cluster never holds a page up. */
  liveClient: EmClient;
  /** Node health, probing; `client` and `liveClient` are its two views. */
  cluster: EmCluster;
}

export interface EmClientRegistry {
  /** Undefined when the cluster row does not exist. Throws ConfigError on a bad secretRef. */
  forCluster(clusterId: number): Promise<ClusterClients | undefined>;
  /** The cluster of the site a phone's desk belongs to; undefined when none. */
  clusterOfPhone(phoneId: number): Promise<number | undefined>;
  /** The clusters built so far (for probing and node health), by cluster id. */
  built(): ClusterClients[];
}

export interface EmClientRegistryOptions {
  prisma: PrismaClient;
  config: Readonly<Config>;
  log?: EmLogger;
  /** Page queries give up after this long. Default 1500 ms. */
  liveTimeoutMs?: number;
  /** Tests and benches may inject a fetch or a timeout for scheduled calls. */
  timeoutMs?: number;
  /**
   * Retries of a busy (26) answer inside one call, with real pauses (default the client's 8).
   * Tests on an injected clock set 0 and let the scheduler's own backoff, on that clock, retry.
   */
  busyRetries?: number;
  /** Down-since times and probe scheduling (the scheduler's clock). */
  clock: Clock;
}

export function createEmClientRegistry(opts: EmClientRegistryOptions): EmClientRegistry {
  const cache = new Map<number, { version: number; clients: ClusterClients }>();

  return {
    async forCluster(clusterId) {
      const row = await opts.prisma.emCluster.findUnique({ where: { id: clusterId } });
      if (!row) return undefined;
      const version = row.updatedAt.getTime();
      const cached = cache.get(clusterId);
      if (cached && cached.version === version) return cached.clients;
      const appPassword = resolveSecret(opts.config, row.secretRef);
      const apiProfile = row.apiProfile === 'modern' ? 'modern' : '4.1';
      const nodeUrls = nodeUrlList(row.serviceUrl);
      const { clock } = opts;
      const common = {
        appUser: row.appUser,
        appPassword,
        apiProfile,
        maxConcurrentRequests: row.maxConcurrentRequests,
        concurrency: Math.max(1, row.concurrencyBudget),
        ...(opts.log ? { log: opts.log } : {}),
      } as const;
      const cluster = createEmCluster({
        ...common,
        nodeUrls,
        now: () => clock.now().getTime(),
        liveTimeoutMs: opts.liveTimeoutMs ?? 1500,
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.busyRetries !== undefined ? { busyRetries: opts.busyRetries } : {}),
      });
      const clients: ClusterClients = {
        info: {
          id: row.id,
          name: row.name,
          concurrencyBudget: Math.max(1, row.concurrencyBudget),
          maxConcurrentRequests: row.maxConcurrentRequests,
          loginLeadMinutes: row.loginLeadMinutes,
          nodeUrls,
        },
        client: cluster,
        liveClient: cluster.live,
        cluster,
      };
      cache.set(clusterId, { version, clients });
      return clients;
    },

    built: () => [...cache.values()].map((c) => c.clients),

    async clusterOfPhone(phoneId) {
      const phone = await opts.prisma.phone.findUnique({
        where: { id: phoneId },
        select: { desk: { select: { floor: { select: { site: { select: { emClusterId: true } } } } } } },
      });
      return phone?.desk?.floor.site.emClusterId ?? undefined;
    },
  };
}
