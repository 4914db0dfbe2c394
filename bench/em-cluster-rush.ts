/**
 * Rushes over an EM cluster of 3 nodes, the emulator in its own process (`npm run em-sim --
 * --nodes 3`), so this process is Roost alone: scheduler, Prisma and (on PGlite) the database.
 *
 *   npx tsx bench/em-cluster-rush.ts [--quick]
 *
 * 1. big: 5 000 phones with the default lead (10 min): the share logged in by the booked instant
 *    (target >= 99.9 %), and the peak RSS of Roost's process (target < 250 MiB). Here Roost (the
 *    scheduler, its EM clients and Prisma: bench/lib/rush-roost.mjs) runs as its own process too,
 *    compiled as production runs it (`npm run build`, plain node over dist/), so the figure holds
 *    none of this process's measuring.
 * 2. noLead: 1 500 phones, 350 ms per login, Maximum Concurrent Requests 5, lead 0: time from the
 *    booked instant to the last login divided by the floor N x S / (nodes x (MCR - 1)): every node
 *    keeps MCR - 1 logins in flight (SPEC 10: a slot for the phones). Target <= 1.15.
 * 3. withLead: the same 1 500 with the default lead: target 100 % logged in by the booked instant.
 * 4. recovery: EM down (every node's process stopped) from 08:50 to 09:05 of Roost's clock, with
 *    500 bookings at 09:00; EM started again with its state file. Time from EM answering to the
 *    last login, divided by the floor for 500 (same formula). Target <= 1.3. Roost's clock runs
 *    30 s per real second through the outage (so the probes back off as in 15 real minutes) and at
 *    real speed from 09:05.
 *
 * Every ratio compares with a floor computed from this run's own parameters; the load average
 * before and after is recorded, since the machine may be shared. Database as for every benchmark:
 * PostgreSQL when DATABASE_URL (or BENCH_DATABASE_URL / TEST_DATABASE_URL) is set, else PGlite.
 *
 * --quick (about a minute): 200 / 60 / 60 / 40 phones at 50 ms per login; not comparable with the
 * targets. --only big|noLead|withLead|recovery runs that part alone and writes nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Clock } from '../src/time/clock.js';
import { DAY_MS, systemClock } from '../src/time/clock.js';
import { createSharedBenchDatabase } from './lib/bench-kit.js';
import { writeResult } from './lib/results.js';
import {
  APP_PASSWORD,
  rushFixture,
  rushScheduler,
  shiftBookings,
  simDevices,
  sleep,
  tickLoop,
} from './lib/rush-kit.js';

const quick = process.argv.includes('--quick');
const NODES = 3;
const MCR = 5;
const LATENCY_MS = quick ? 50 : 350;
const BIG_N = quick ? 200 : 5_000;
const RUSH_N = quick ? 60 : 1_500;
const RECOVERY_N = quick ? 40 : 500;
const START_MARGIN_MS = quick ? 3_000 : 15_000;
const dbUrl = process.env.DATABASE_URL || process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
// createSharedBenchDatabase creates (and drops) its throw-away database beside DATABASE_URL.
if (dbUrl) process.env.DATABASE_URL = dbUrl;
let databaseLabel = 'PGlite (in memory)';
const root = path.resolve(import.meta.dirname, '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'roost-cluster-bench-'));

/** N x S / (nodes x (MCR - 1)): every node's budget busy from the first instant to the last. */
const floorMs = (n: number) => (n * LATENCY_MS) / (NODES * (MCR - 1));
/** What the planner assumes before it has measured (400 ms per login, 1.35 safety). */
const planMs = (n: number) => ((n * 400) / (NODES * (MCR - 1))) * 1.35;

interface Em {
  urls: string[];
  child: ChildProcess;
  /** When the last node printed its listening line (ms, real time). */
  readyAt: number;
}

/** `npm run em-sim -- --nodes 3 ...` as its own process; resolves once every node listens. */
async function spawnEm(fixtureFile: string, opts: { port: number; stateFile?: string }): Promise<Em> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/emulator/cli.ts',
      '--nodes',
      String(NODES),
      '--port',
      String(opts.port),
      '--profile',
      'modern',
      '--fixture',
      fixtureFile,
      ...(opts.stateFile ? ['--state', opts.stateFile] : []),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const urls: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`em-sim exited with ${code}`)));
    lines.on('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) urls.push(m[1]!);
      if (urls.length === NODES) resolve();
    });
  });
  child.removeAllListeners('exit');
  return { urls, child, readyAt: Date.now() };
}

async function stopEm(em: Em): Promise<void> {
  const exited = new Promise((r) => em.child.once('exit', r));
  em.child.kill('SIGTERM');
  await exited;
}

function fixtureFile(name: string, desks: number): string {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(rushFixture(desks, LATENCY_MS, MCR)));
  return file;
}

/** A free base port with NODES - 1 free ports after it (best effort: the kernel's choice + a check). */
async function freePorts(): Promise<number> {
  const net = await import('node:net');
  const tryListen = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < NODES && ok; i++) ok = await tryListen(base + i);
    if (ok) return base;
  }
}

/**
 * Migrating, seeding and booking run in their own process (bench/lib/rush-prepare.ts): this one
 * opens the prepared database afterwards, so its peak RSS is Roost's work, not the set-up's.
 */
function prepare(env: Record<string, string>, args: object): Promise<{ startsAt: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/lib/rush-prepare.ts', JSON.stringify(args)],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as { startsAt: string })
        : reject(new Error(`rush-prepare exited with ${code}`)),
    );
  });
}

/** The emulator and the prepared database, with nothing of Roost opened in this process yet. */
async function prepareRun(
  name: string,
  n: number,
  leadMinutes: number,
  when: { startsAt: Date } | { startsInMs: number },
) {
  const shared = await createSharedBenchDatabase();
  databaseLabel = shared.label;
  const fixture = fixtureFile(name, n);
  const stateFile = path.join(work, `${name}-state.json`);
  const port = await freePorts();
  const em = await spawnEm(fixture, { port, stateFile });
  const prepared = await prepare(shared.env, {
    desks: n,
    n,
    serviceUrl: em.urls.join(','),
    mcr: MCR,
    lead: leadMinutes,
    ...('startsAt' in when ? { startsAt: when.startsAt.toISOString() } : { startsInMs: when.startsInMs }),
  });
  return { shared, em, fixture, stateFile, port, startsAt: new Date(prepared.startsAt) };
}

/** prepareRun, then Roost's scheduler in this process over the prepared database. */
async function setUp(
  name: string,
  n: number,
  leadMinutes: number,
  clock: Clock,
  when: { startsAt: Date } | { startsInMs: number },
) {
  // Booked a day ahead and moved here, once this process is ready to tick, to the instant the run
  // needs: the preparing process's exit and this one's connecting must not eat into it.
  const run = await prepareRun(
    name,
    n,
    leadMinutes,
    'startsAt' in when ? when : { startsAt: new Date(Date.now() + DAY_MS) },
  );
  const db = await run.shared.open(10);
  let startsAt = run.startsAt;
  if ('startsInMs' in when) {
    const target = new Date(Math.ceil((Date.now() + when.startsInMs) / 1000) * 1000);
    await shiftBookings(db, target.getTime() - startsAt.getTime());
    startsAt = target;
  }
  const scheduler = rushScheduler(db, clock);
  const drop = async () => {
    await db.close();
    await run.shared.drop();
  };
  return { ...run, startsAt, db, drop, scheduler };
}

type Setup = Awaited<ReturnType<typeof setUp>>;

async function tearDown(s: Setup): Promise<void> {
  await s.scheduler.stop();
  await stopEm(s.em);
  await s.drop();
}

/**
 * Roost as its own process, compiled as production runs it (bench/lib/rush-roost.mjs over dist/),
 * until every login is done: its peak RSS is then Roost's alone, not this process's measuring
 * (the emulator's state of every device).
 */
function runRoostProcess(
  env: Record<string, string>,
  args: { n: number; untilMs: number },
): Promise<{ failed: number; peakRssMiB: number; peakMiB: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['bench/lib/rush-roost.mjs', JSON.stringify({ ...args, appPassword: APP_PASSWORD })],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
        : reject(new Error(`rush-roost exited with ${code}`)),
    );
  });
}

const allDone = (s: Setup, n: number) => async () =>
  (await s.db.prisma.phoneAction.count({ where: { kind: 'LOGIN', state: 'DONE' } })) === n;

/** Per-node EM calls handled, from the emulator's own counters. */
async function perNode(url: string): Promise<number[]> {
  const res = await fetch(`${url}/__sim/state`);
  const state = (await res.json()) as { nodes: { counters: { requestsHandled: number } }[] };
  return state.nodes.map((x) => x.counters.requestsHandled);
}

/** The share of `n` phones logged in by the booked instant (the emulator records when). */
async function readyBy(url: string, startsAt: Date, n: number) {
  const ready = (await simDevices(url)).filter(
    (d) => d.loginAt !== null && Date.parse(d.loginAt) <= startsAt.getTime(),
  ).length;
  return { readyAtBookedTime: ready, shareReady: +(ready / n).toFixed(4) };
}

/** Bookings of `n` phones `lead` minutes ahead; the share logged in by the booked instant. */
async function leadRush(name: string, n: number) {
  const s = await setUp(name, n, 10, systemClock, { startsInMs: planMs(n) + START_MARGIN_MS });
  try {
    await tickLoop(() => s.scheduler.tick(systemClock.now()), allDone(s, n), s.startsAt.getTime() + 600_000);
    const failed = await s.db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } });
    return {
      phones: n,
      loginLeadMinutes: 10,
      ...(await readyBy(s.em.urls[0]!, s.startsAt, n)),
      failed,
      callsPerNode: await perNode(s.em.urls[0]!),
    };
  } finally {
    await tearDown(s);
  }
}

/** leadRush with Roost in its own process, compiled, which reports its peak RSS. */
async function leadRushApart(name: string, n: number) {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build failed');
  const run = await prepareRun(name, n, 10, { startsInMs: planMs(n) + START_MARGIN_MS });
  try {
    const roost = await runRoostProcess(run.shared.env, { n, untilMs: run.startsAt.getTime() + 600_000 });
    return {
      phones: n,
      loginLeadMinutes: 10,
      ...(await readyBy(run.em.urls[0]!, run.startsAt, n)),
      failed: roost.failed,
      callsPerNode: await perNode(run.em.urls[0]!),
      peakRssMiB: roost.peakRssMiB,
      peakMemoryUsageMiB: roost.peakMiB,
    };
  } finally {
    await stopEm(run.em);
    await run.shared.drop();
  }
}

async function noLead() {
  const s = await setUp('no-lead', RUSH_N, 0, systemClock, { startsInMs: 4000 });
  try {
    const startsAt = s.startsAt;
    await tickLoop(
      () => s.scheduler.tick(systemClock.now()),
      allDone(s, RUSH_N),
      startsAt.getTime() + 600_000,
    );
    const logins = (await simDevices(s.em.urls[0]!))
      .filter((d) => d.loginAt)
      .map((d) => Date.parse(d.loginAt!));
    const lastMs = Math.max(...logins) - startsAt.getTime();
    return {
      phones: RUSH_N,
      loggedIn: logins.length,
      failed: await s.db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } }),
      lastLoginAfterStartMs: lastMs,
      floorMs: floorMs(RUSH_N),
      ratioToFloor: +(lastMs / floorMs(RUSH_N)).toFixed(3),
      callsPerNode: await perNode(s.em.urls[0]!),
    };
  } finally {
    await tearDown(s);
  }
}

/** Roost's clock: real time shifted by `offset`, which the outage moves faster. */
function shiftedClock(startAt: number) {
  let offset = startAt - Date.now();
  return {
    clock: { now: () => new Date(Date.now() + offset) } satisfies Clock,
    skip: (ms: number) => (offset += ms),
  };
}

async function recovery() {
  const day = Date.parse('2026-03-02T07:50:00Z'); // 08:50 in Berlin (CET)
  const t = shiftedClock(day - 60_000);
  const bookedAt = new Date(day + 10 * 60_000); // 09:00
  const s = await setUp('recovery', RECOVERY_N, 10, t.clock, { startsAt: bookedAt });
  let em = s.em;
  try {
    await s.scheduler.tick(t.clock.now());
    // 08:50: EM goes away (every node's process stopped; its logins stay in the state file).
    t.skip(day - t.clock.now().getTime());
    await stopEm(em);
    // Through 09:05 at 30 s of Roost's time per real second, ticking each second.
    const backAt = day + 15 * 60_000;
    while (t.clock.now().getTime() < backAt - 30_000) {
      await sleep(1000);
      t.skip(29_000);
      await s.scheduler.tick(t.clock.now());
    }
    t.skip(backAt - t.clock.now().getTime());
    const waiting = await s.db.prisma.phoneAction.count({ where: { kind: 'LOGIN', state: { not: 'DONE' } } });
    em = await spawnEm(s.fixture, { port: s.port, stateFile: s.stateFile });
    s.em = em;
    const back = em.readyAt;
    await tickLoop(() => s.scheduler.tick(t.clock.now()), allDone(s, RECOVERY_N), back + 600_000);
    const logins = (await simDevices(em.urls[0]!))
      .filter((d) => d.loginAt)
      .map((d) => Date.parse(d.loginAt!));
    const lastMs = Math.max(...logins) - back;
    return {
      phones: RECOVERY_N,
      waitingWhenEmCameBack: waiting,
      loggedIn: logins.length,
      failed: await s.db.prisma.phoneAction.count({ where: { state: { in: ['FAILED', 'CONFLICT'] } } }),
      lastLoginAfterEmBackMs: lastMs,
      floorMs: floorMs(RECOVERY_N),
      ratioToFloor: +(lastMs / floorMs(RECOVERY_N)).toFixed(3),
    };
  } finally {
    await tearDown(s);
  }
}

// --only big|noLead|withLead|recovery: that part alone, printed and not written (for working on it).
if (process.argv.includes('--only')) {
  const only = process.argv[process.argv.indexOf('--only') + 1];
  const parts = {
    big: () => leadRushApart('big', BIG_N),
    noLead,
    withLead: () => leadRush('with-lead', RUSH_N),
    recovery,
  };
  const part = parts[only as keyof typeof parts];
  if (!part) throw new Error(`--only ${only}: not one of ${Object.keys(parts).join(', ')}`);
  console.log(only, await part());
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

const started = Date.now();
const big = await leadRushApart('big', BIG_N);
console.log(`${BIG_N} phones, default lead (Roost in its own process):`, big);
const noLeadResult = await noLead();
console.log(`${RUSH_N} phones, no lead:`, noLeadResult);
const withLead = await leadRush('with-lead', RUSH_N);
console.log(`${RUSH_N} phones, default lead:`, withLead);
const recoveryResult = await recovery();
console.log(`recovery of ${RECOVERY_N}:`, recoveryResult);
rmSync(work, { recursive: true, force: true });

const result = {
  bench: 'em-cluster-rush',
  quick,
  database: databaseLabel,
  parameters: {
    nodes: NODES,
    maxConcurrentRequests: MCR,
    budgetPerNode: MCR - 1,
    loginLatencyMs: LATENCY_MS,
    bigPhones: BIG_N,
    rushPhones: RUSH_N,
    recoveryPhones: RECOVERY_N,
    tickEverySeconds: 1,
    emulator: 'own process (em-sim --nodes 3)',
  },
  big: { ...big, target: '>= 99.9 % ready at the booked time; peak RSS < 250 MiB' },
  noLead: { ...noLeadResult, target: '<= 1.15 x floor N x S / (nodes x (MCR - 1))' },
  withLead: { ...withLead, target: '100 % ready at the booked time' },
  recovery: { ...recoveryResult, target: '<= 1.3 x floor for 500' },
  benchSeconds: Math.round((Date.now() - started) / 1000),
};
console.log(`written ${writeResult('em-cluster-rush', result, { database: databaseLabel })}`);
process.exit(0);
