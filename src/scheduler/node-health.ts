/**
 * Node health, as the scheduler drives it: every tick probes the EM nodes out of rotation whose
 * probe is due (src/em/em-cluster.ts: a query each, never a login, every 2 s backing off to 10 s;
 * no network at all while every node is up).
 */
import type { SchedulerContext } from './scheduler-context.js';

export function createNodeHealth(ctx: SchedulerContext) {
  const { emClients, log } = ctx;

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

  return { probeClusters };
}
