import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { claimDueActions } from '../../src/scheduler/claim.js';
import { planRush } from '../../src/scheduler/rush-planner.js';
import { dbTargets } from '../helpers/db.js';
import { createBench, deviceName, emUser, type Bench, type SimLogEntry } from './harness.js';

// Real HTTP to the emulator and a real database; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

const N = 500;
const START = '2026-03-02T08:00:00Z';
const END = '2026-03-02T16:00:00Z';

const successfulLogins = (log: SimLogEntry[]) =>
  log.filter((e) => e.operation === 'login' && e.code === null);

async function expectAllLoggedIn(bench: Bench, n: number) {
  const state = await bench.sim.state();
  const wrong = Array.from({ length: n }, (_, i) => i).filter(
    (i) => state.devices.find((d) => d.name === deviceName(i))?.currentUser !== emUser(i),
  );
  expect(wrong).toEqual([]);
  const actions = await bench.db.prisma.phoneAction.groupBy({ by: ['kind', 'state'], _count: true });
  expect(actions.map((a) => [a.kind, a.state, a._count]).sort()).toEqual(
    [
      ['LOGIN', 'DONE', n],
      ['LOGOUT', 'PENDING', n],
    ].sort(),
  );
}

describe.each(dbTargets)('crash recovery (%s)', (target) => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('recovers from a crash between claiming and finishing without a duplicate login', async () => {
    const n = 60;
    bench = await createBench({ target, n, start: '2026-03-02T07:59:00Z', leaseMs: 60_000 });
    await bench.bookMany(n, START, END);
    await bench.at(START, { tick: false });
    // A dead instance claimed 20 logins, carried out 10 of them on EM, then vanished.
    const claimed = await claimDueActions(bench.db.prisma, {
      now: bench.clock.now(),
      clusterId: bench.clusterId,
      limit: 20,
      leaseOwner: 'dead-instance#1',
      leaseMs: 60_000,
    });
    expect(claimed).toHaveLength(20);
    const phones = await bench.db.prisma.phone.findMany({
      where: { id: { in: claimed.map((c) => c.phoneId) } },
    });
    for (const phone of phones.slice(0, 10)) {
      const i = bench.desks.findIndex((d) => d.phoneId === phone.id);
      expect(await bench.sim.emLogin(phone.deviceName, emUser(i), 485)).toBeNull();
    }
    // A fresh instance at the same instant does the other 40; the 20 leased ones wait.
    const fresh = bench.newScheduler({ instanceId: 'fresh' });
    await fresh.tick(bench.clock.now());
    expect(await bench.db.prisma.phoneAction.count({ where: { state: 'RUNNING' } })).toBe(20);
    // Past the lease, the dead instance's actions are taken again.
    await bench.at('2026-03-02T08:01:01Z', { tick: false });
    await fresh.tick(bench.clock.now());
    await expectAllLoggedIn(bench, n);
    const log = await bench.sim.log(1000);
    expect(successfulLogins(log)).toHaveLength(n);
    expect(log.filter((e) => e.operation === 'login' && e.code !== null)).toEqual([]);
    await fresh.stop();
  });
});

describe.each(dbTargets)('rush planning (%s)', (target) => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('keeps the early due times of the last logins of a rush, and only within the lead', async () => {
    bench = await createBench({ target, n: 12, start: '2026-03-02T07:59:50Z' });
    const ids = await bench.bookMany(12, START, END);
    const prisma = bench.db.prisma;
    // An earlier plan started these logins early; the rest of the rush is done. What is left fits
    // in the planner's minimum shift, which must not send them back to the booked 08:00 (late).
    const early = ids.slice(0, 10);
    await prisma.phoneAction.updateMany({
      where: { reservationId: { in: early }, kind: 'LOGIN' },
      data: { dueAt: new Date('2026-03-02T07:59:56Z') },
    });
    // One further back than the 10-minute lead allows goes back to its booked time.
    await prisma.phoneAction.updateMany({
      where: { reservationId: ids[10]!, kind: 'LOGIN' },
      data: { dueAt: new Date('2026-03-02T07:45:00Z') },
    });
    const planned = await planRush(prisma, {
      now: new Date('2026-03-02T07:40:00Z'),
      clusterId: bench.clusterId,
      serviceMs: 10,
      leadMinutes: 10,
    });
    expect(planned).toBe(1);
    const logins = await prisma.phoneAction.findMany({
      where: { kind: 'LOGIN' },
      orderBy: { reservationId: 'asc' },
    });
    expect(logins.map((a) => a.dueAt.toISOString())).toEqual([
      ...Array.from({ length: 10 }, () => '2026-03-02T07:59:56.000Z'),
      '2026-03-02T08:00:00.000Z',
      '2026-03-02T08:00:00.000Z',
    ]);
  });
});

/**
 * The 500-booking rush is about throughput and exactly-once, so it runs once, on PostgreSQL when
 * the suite has one (PGlite's per-query cost would only make it slow; the other tests cover it).
 */
const rushTarget = dbTargets.includes('postgres') ? 'postgres' : 'pglite';

describe(`morning rush of ${N} (${rushTarget})`, () => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('logs 500 phones in by 09:00 through a cluster with Maximum Concurrent Requests 5', async () => {
    bench = await createBench({
      target: rushTarget,
      n: N,
      start: '2026-03-02T07:45:00Z',
      simParams: { latencyMs: { login: 20, logout: 10, query: 2 } },
    });
    await bench.bookMany(N, START, END);
    // Tick every 15 s of booked time from 07:50 to 08:00, as node-cron would.
    for (let t = Date.parse('2026-03-02T07:50:00Z'); t <= Date.parse(START); t += 15_000) {
      await bench.at(new Date(t).toISOString());
    }
    await expectAllLoggedIn(bench, N);
    const log = await bench.sim.log(1000);
    expect(log.length).toBeLessThan(1000); // the whole history fits: nothing was cut off
    expect(successfulLogins(log)).toHaveLength(N);
    expect(new Set(successfulLogins(log).map((e) => e.deviceName)).size).toBe(N);
    // Rush planning started the logins early enough: every phone was ready at the booked time.
    const state = await bench.sim.state();
    const late = state.devices.filter((d) => d.loginAt !== null && d.loginAt > '2026-03-02T08:00:00.000Z');
    expect(late).toEqual([]);
    expect(state.devices.filter((d) => d.loginAt !== null && d.loginAt < '2026-03-02T07:50:00.000Z')).toEqual(
      [],
    );
    // No action failed or was retried because of 26.
    expect(await bench.db.prisma.phoneAction.count({ where: { lastEmCode: 26 } })).toBe(0);
    expect(await bench.db.prisma.phoneAction.count({ where: { state: 'FAILED' } })).toBe(0);
    const claimedTwice = await bench.db.prisma.phoneAction.count({
      where: { kind: 'LOGIN', attempts: { gt: 1 } },
    });
    expect(claimedTwice).toBe(0);
  }, 120_000);
});

describe.runIf(dbTargets.includes('postgres'))('two instances on one PostgreSQL', () => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('does each action exactly once', async () => {
    const n = 200;
    bench = await createBench({
      target: 'postgres',
      n,
      start: '2026-03-02T07:59:00Z',
      cluster: { concurrencyBudget: 2, loginLeadMinutes: 0 },
      poolSize: 4,
    });
    await bench.bookMany(n, START, END);
    const second = await openDatabase({ databaseUrl: bench.db.url!, poolSize: 4 });
    try {
      const a = bench.newScheduler({ instanceId: 'a' });
      const b = bench.newScheduler({ instanceId: 'b', db: { ...bench.db, ...second } });
      await bench.at(START, { tick: false });
      const [ra, rb] = await Promise.all([a.tick(bench.clock.now()), b.tick(bench.clock.now())]);
      expect(ra.claimed + rb.claimed).toBe(n);
      expect(ra.claimed).toBeGreaterThan(0);
      expect(rb.claimed).toBeGreaterThan(0);
      await expectAllLoggedIn(bench, n);
      expect(successfulLogins(await bench.sim.log(1000))).toHaveLength(n);
      expect(await bench.db.prisma.phoneAction.count({ where: { attempts: { gt: 1 } } })).toBe(0);
      await a.stop();
      await b.stop();
    } finally {
      await second.close();
    }
  });
});
