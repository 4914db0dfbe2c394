/**
 * The morning rush: N bookings start at one instant on free phones.
 *
 *   npx tsx bench/morning-rush.ts [--quick]
 *
 * 1. No lead (loginLeadMinutes 0): time from the booked instant until the last phone is logged in,
 *    divided by the floor N x latency / maxConcurrentRequests. Roost keeps at most the cluster's
 *    concurrencyBudget = maxConcurrentRequests - 1 logins in flight (SPEC 10: leave a slot for
 *    phones), so the best possible ratio is max / (max - 1) = 1.25 with max 5.
 * 2. Default lead (10 min): the share of phones logged in by the booked instant.
 * 3. Tick cost with 100 000 future actions in the database and nothing due, the clock moving one
 *    second per tick as under node-cron (so housekeeping runs every 15th tick, as it would).
 *
 * It also records the peak RSS of the process (Roost's scheduler and the emulator) by the end of
 * the two rushes, and the load average before and after, since the machine may be shared.
 *
 * Database: PostgreSQL when DATABASE_URL is set (as for every benchmark; BENCH_DATABASE_URL or
 * TEST_DATABASE_URL are read when it is not), else PGlite in memory. On PostgreSQL each of the
 * three parts creates its own throw-away database beside the one named and drops it afterwards
 * (test/helpers/db.ts). The emulator runs with its system clock; Roost's clock is real time;
 * ticks every second like cron.
 *
 * --quick (about 30 s): 40 phones at 50 ms per login, 10 000 future actions on 100 desks, 45 tick
 * samples. Only the full run's figures are comparable with the targets.
 */
import { writeResult } from './lib/results.js';
import os from 'node:os';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { claimDueActions } from '../src/scheduler/claim.js';
import type { Scheduler } from '../src/scheduler/scheduler.js';
import { systemClock } from '../src/time/clock.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/db.js';
import {
  bookRush,
  mib,
  rushFixture,
  rushScheduler,
  seedRush,
  simDevices,
  tickLoop as tickUntil,
} from './lib/rush-kit.js';

const quick = process.argv.includes('--quick');
const N = quick ? 40 : 500;
const LATENCY_MS = quick ? 50 : 350;
const MAX_CONCURRENT = 5;
const FUTURE_ACTIONS = quick ? 10_000 : 100_000;
const TICK_DESKS = quick ? 100 : 500;
/** How far ahead of the first tick the rushes are booked, beyond what the plan needs. */
const START_MARGIN_MS = quick ? 2_000 : 15_000;
const TICK_SAMPLES = quick ? 45 : 120;
const dbUrl = process.env.DATABASE_URL || process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
// createTestDatabase creates (and drops) its throw-away databases beside TEST_DATABASE_URL.
if (dbUrl) process.env.TEST_DATABASE_URL = dbUrl;
const target = dbUrl ? 'postgres' : 'pglite';
const loadBefore = os.loadavg();

interface Setup {
  db: TestDatabase;
  emulator: RunningEmulator;
  scheduler: Scheduler;
  phoneIds: number[];
  deskIds: number[];
  userIds: number[];
}

async function setUp(leadMinutes: number, desks = N): Promise<Setup> {
  // On PGlite: clones of one migrated database, as in the scheduler tests (seconds faster each).
  const db = await createTestDatabase(target, { poolSize: 10 });
  const emulator = await startEmulator({
    port: 0,
    profile: 'modern',
    clock: 'system',
    fixture: rushFixture(desks, LATENCY_MS, MAX_CONCURRENT),
  });
  const { phoneIds, deskIds, userIds } = await seedRush(db, {
    desks,
    serviceUrl: emulator.url,
    maxConcurrentRequests: MAX_CONCURRENT,
    leadMinutes,
  });
  const scheduler = rushScheduler(db, systemClock);
  return { db, emulator, scheduler, phoneIds, deskIds, userIds };
}

const book = (s: Setup, startsAt: Date) => bookRush(s.db, s, N, startsAt);
const simState = (s: Setup) => simDevices(s.emulator.url);
const tickLoop = (s: Setup, done: () => Promise<boolean>, untilMs: number) =>
  tickUntil(() => s.scheduler.tick(systemClock.now()), done, untilMs);

async function tearDown(s: Setup) {
  await s.scheduler.stop();
  await s.emulator.close();
  await s.db.destroy();
}

async function noLead() {
  const s = await setUp(0);
  try {
    const startsAt = new Date(Math.ceil((Date.now() + Math.min(3000, START_MARGIN_MS)) / 1000) * 1000);
    await book(s, startsAt);
    await tickLoop(
      s,
      async () => (await s.db.prisma.phoneAction.count({ where: { kind: 'LOGIN', state: 'DONE' } })) === N,
      startsAt.getTime() + 600_000,
    );
    const devices = await simState(s);
    const logins = devices.filter((d) => d.loginAt !== null).map((d) => Date.parse(d.loginAt!));
    const lastMs = Math.max(...logins) - startsAt.getTime();
    const floorMs = (N * LATENCY_MS) / MAX_CONCURRENT;
    const budgetFloorMs = (N * LATENCY_MS) / (MAX_CONCURRENT - 1);
    const failed = await s.db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } });
    return {
      phones: N,
      loggedIn: logins.length,
      failed,
      lastLoginAfterStartMs: lastMs,
      floorMs,
      ratioToFloor: +(lastMs / floorMs).toFixed(3),
      budgetFloorMs,
      ratioToBudgetFloor: +(lastMs / budgetFloorMs).toFixed(3),
    };
  } finally {
    await tearDown(s);
  }
}

async function withLead() {
  const s = await setUp(10);
  try {
    // Far enough ahead for the planner's first estimate (400 ms per login until measured, 1.35
    // safety), plus a few seconds for the first ticks.
    const neededMs = ((N * 400) / (MAX_CONCURRENT - 1)) * 1.35;
    const startsAt = new Date(Math.ceil((Date.now() + neededMs + START_MARGIN_MS) / 1000) * 1000);
    await book(s, startsAt);
    await tickLoop(s, async () => Date.now() >= startsAt.getTime(), startsAt.getTime() + 1000);
    const devices = await simState(s);
    const ready = devices.filter(
      (d) => d.loginAt !== null && Date.parse(d.loginAt) <= startsAt.getTime(),
    ).length;
    const firstLogin = Math.min(...devices.filter((d) => d.loginAt).map((d) => Date.parse(d.loginAt!)));
    await tickLoop(
      s,
      async () => (await s.db.prisma.phoneAction.count({ where: { kind: 'LOGIN', state: 'DONE' } })) === N,
      startsAt.getTime() + 600_000,
    );
    return {
      phones: N,
      loginLeadMinutes: 10,
      readyAtBookedTime: ready,
      shareReady: +(ready / N).toFixed(4),
      firstLoginBeforeStartMs: startsAt.getTime() - firstLogin,
      p95LoginLatencyMs: Math.round(s.scheduler.loginLatencyMs(1)),
      plannedMsPerLogin: Math.round(s.scheduler.plannedServiceMs(1)),
    };
  } finally {
    await tearDown(s);
  }
}

async function tickCost() {
  const desks = TICK_DESKS;
  const s = await setUp(10, desks);
  try {
    const days = FUTURE_ACTIONS / 2 / desks;
    const base = Date.now() + 86_400_000;
    // 100 000 actions: every desk booked every day for `days` days, from tomorrow.
    await s.db.prisma.$executeRaw`
      INSERT INTO "Reservation" ("deskId", "userId", "startsAt", "endsAt", "updatedAt")
      SELECT d.id, u.id, to_timestamp(${base / 1000}) + make_interval(days => g),
             to_timestamp(${base / 1000}) + make_interval(days => g, hours => 8), now()
      FROM generate_series(0, ${days - 1}::int) g
      JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "Desk") d ON true
      JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "User") u ON u.n = d.n`;
    await s.db.prisma.$executeRaw`
      -- Keys as bookingAction() (src/scheduler/action-keys.ts) writes them; purpose defaults to BOOKING.
      INSERT INTO "PhoneAction" ("idempotencyKey", "kind", "phoneId", "reservationId", "dueAt", "updatedAt")
      SELECT 'r' || r.id || ':' || k.suffix, k.kind::"PhoneActionKind", p.id, r.id,
             CASE WHEN k.kind = 'LOGIN' THEN r."startsAt" ELSE r."endsAt" END, now()
      FROM "Reservation" r JOIN "Phone" p ON p."deskId" = r."deskId"
      CROSS JOIN (VALUES ('LOGIN', 'login'), ('LOGOUT', 'logout')) k(kind, suffix)`;
    await s.db.prisma.$executeRawUnsafe('ANALYZE');
    const actions = await s.db.prisma.phoneAction.count();
    const start = systemClock.now().getTime();
    const tickMs: number[] = [];
    const housekeepingTickMs: number[] = [];
    const claimMs: number[] = [];
    const selectOneMs: number[] = [];
    for (let i = 0; i < TICK_SAMPLES; i++) {
      // One second of booked time per tick, as node-cron would call it.
      const now = new Date(start + i * 1000);
      let t = performance.now();
      const report = await s.scheduler.tick(now);
      if (report.claimed + report.planned > 0) throw new Error('tick cost: something was due');
      // The first tick also warms up the Prisma client; housekeeping runs every 15 s after that.
      if (i > 0) (i % 15 === 0 ? housekeepingTickMs : tickMs).push(performance.now() - t);
      t = performance.now();
      await claimDueActions(s.db.prisma, {
        now,
        clusterId: 1,
        limit: 4,
        leaseOwner: 'bench',
        leaseMs: 60_000,
      });
      claimMs.push(performance.now() - t);
      // The baseline: one round trip through the same Prisma client, taken in turn.
      t = performance.now();
      await s.db.prisma.$queryRaw`SELECT 1`;
      selectOneMs.push(performance.now() - t);
    }
    const q = (xs: number[], p: number) =>
      [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
    return {
      futureActions: actions,
      tickSamples: tickMs.length,
      tickMedianMs: +q(tickMs, 0.5).toFixed(2),
      tickP95Ms: +q(tickMs, 0.95).toFixed(2),
      tickMaxMs: +Math.max(...tickMs).toFixed(2),
      housekeepingTickSamples: housekeepingTickMs.length,
      housekeepingTickMedianMs: +q(housekeepingTickMs, 0.5).toFixed(2),
      claimQueryMedianMs: +q(claimMs.slice(5), 0.5).toFixed(2),
      selectOneMedianMs: +q(selectOneMs.slice(5), 0.5).toFixed(2),
      tickMedianToSelectOne: +(q(tickMs, 0.5) / q(selectOneMs.slice(5), 0.5)).toFixed(2),
    };
  } finally {
    await tearDown(s);
  }
}

const started = Date.now();
const noLeadResult = await noLead();
console.log('no lead:', noLeadResult);
const leadResult = await withLead();
console.log('default lead:', leadResult);
// Peak RSS of this process so far: the two rushes (Roost's scheduler, Prisma and the emulator in
// one process), before the tick-cost part loads its 100 000 actions.
const peakRssMiBDuringRush = mib(process.resourceUsage().maxRSS);
console.log('peak RSS during the rushes:', peakRssMiBDuringRush, 'MiB');
const tickResult = await tickCost();
console.log('tick cost:', tickResult);

const result = {
  bench: 'morning-rush',
  quick,
  at: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    loadAverageBefore: loadBefore,
    loadAverageAfter: os.loadavg(),
  },
  node: process.version,
  database: target,
  parameters: {
    phones: N,
    loginLatencyMs: LATENCY_MS,
    maxConcurrentRequests: MAX_CONCURRENT,
    concurrencyBudget: MAX_CONCURRENT - 1,
    tickEverySeconds: 1,
    futureActions: FUTURE_ACTIONS,
    tickSamples: TICK_SAMPLES,
  },
  noLead: { ...noLeadResult, target: '<= 1.3 x floor (best possible with budget max-1: 1.25)' },
  defaultLead: { ...leadResult, target: '100% ready at the booked time' },
  tickCost: { ...tickResult, target: '< 10 ms (median)' },
  memory: { peakRssMiBDuringRush, peakRssMiBAtEnd: mib(process.resourceUsage().maxRSS) },
  benchSeconds: Math.round((Date.now() - started) / 1000),
};
console.log(`written ${writeResult('morning-rush', result, { database: target })}`);
process.exit(0);
