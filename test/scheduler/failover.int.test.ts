/**
 * Issue 12: a cluster is several EM nodes. During a 500-phone rush over two emulator nodes, node 1
 * is stopped (HTTP 503), comes back, then hangs (accepts and never answers) and comes back again:
 * node 2 carries the work meanwhile, every phone is logged in, nothing fails for a busy (26) or
 * transport reason, and node 1 is used again once it answers. Roost's injected clock is moved
 * forward while the rush drains, so probes fall due as they would in real time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBench, deviceName, emUser, type Bench } from './harness.js';

vi.setConfig({ testTimeout: 300_000 });

const N = 500;
const START = '2026-03-02T08:00:00Z';
const END = '2026-03-02T16:00:00Z';

interface NodeState {
  index: number;
  mode: string;
  counters: { requestsHandled: number; requestsThrottled: number };
}

describe('failover between EM nodes (pglite)', () => {
  let bench: Bench;
  afterEach(() => bench?.close());

  it('node 1 unavailable, then hanging, during a 500-phone rush over two nodes', async () => {
    bench = await createBench({
      target: 'pglite',
      n: N,
      start: '2026-03-02T07:59:00Z',
      nodes: 2,
      emTimeoutMs: 1_500,
      cluster: { loginLeadMinutes: 0 },
      simParams: { latencyMs: { login: 40, logout: 5, query: 1 } },
    });
    const setMode = (mode: string) => bench.sim.control('PUT', 'nodes/1', { mode });
    const nodes = async () => (await bench.sim.control<{ nodes: NodeState[] }>('GET', 'state')).nodes;
    const loggedIn = async () => (await bench.sim.state()).devices.filter((d) => d.currentUser).length;
    await bench.bookMany(N, START, END);
    await setMode('unavailable');
    await bench.at(START, { tick: false });

    let draining = true;
    const rush = bench.scheduler.tick(bench.clock.now()).finally(() => (draining = false));
    const pump = (async () => {
      while (draining) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        bench.clock.advance(1_000);
      }
    })();
    /** Waits until `ready` holds or the rush's tick is over (then the next ticks finish it). */
    const until = async (ready: () => Promise<boolean>) => {
      while (draining && !(await ready())) await new Promise((resolve) => setTimeout(resolve, 50));
    };

    await until(async () => (await loggedIn()) >= 100);
    const duringOutage = (await nodes())[0]!.counters.requestsHandled;
    expect(duringOutage).toBe(0);
    await setMode('up');
    await until(async () => (await nodes())[0]!.counters.requestsHandled > 10);
    const usedAfterComeback = (await nodes())[0]!.counters.requestsHandled;
    await setMode('hang');
    await until(async () => (await loggedIn()) >= 350);
    await setMode('up');
    await rush;
    await pump;
    // Whatever the rush's tick left (a login caught on the hung node) runs on the next ticks.
    for (let i = 0; i < 15 && (await loggedIn()) < N; i++) {
      bench.clock.advance(2_000);
      await bench.scheduler.tick(bench.clock.now());
    }

    const state = await bench.sim.state();
    const wrong = Array.from({ length: N }, (_, i) => i).filter(
      (i) => state.devices.find((d) => d.name === deviceName(i))?.currentUser !== emUser(i),
    );
    expect(wrong).toEqual([]);
    expect(
      await bench.db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } }),
    ).toBe(0);
    expect(usedAfterComeback).toBeGreaterThan(10);
    const [n1, n2] = await nodes();
    expect(n2!.counters.requestsHandled).toBeGreaterThan(N / 2);
    expect(n1!.counters.requestsHandled).toBeGreaterThanOrEqual(usedAfterComeback);
    // Node 1 is back in rotation in Roost's view once its probe is due.
    bench.clock.advance(11_000);
    await bench.scheduler.tick(bench.clock.now());
    const health = bench.registry.built()[0]!.cluster.nodes();
    expect(health.map((h) => h.up)).toEqual([true, true]);
  });
});
