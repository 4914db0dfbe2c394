/**
 * Scheduler test bench: the EM emulator in-process on port 0 with a manual clock, a test database,
 * one EM cluster row pointing at the emulator, a site with N desks (each with a phone known to the
 * emulator) and N users (each known to the emulator). `at(iso)` moves Roost's clock and the
 * emulator's together, then ticks.
 *
 * On PGlite each bench gets a clone of one migrated in-memory database per test file (worker):
 * starting PGlite and migrating costs 5-10 s on a loaded 2-core machine, a clone under 2 s, and
 * most of the scheduler suite's time went there. Every bench still has a database of its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.js';
import { createEmClientRegistry, type EmClientRegistry } from '../../src/scheduler/em-clients.js';
import { schedulePhoneActions, schedulePhoneActionsMany } from '../../src/scheduler/jobs.js';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { createTestDatabase, type DbTarget, type TestDatabase } from '../helpers/db.js';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createPhonesService } from '../../src/scheduler/phones-service.js';
import { Browser, testConfig } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

export const APP_USER = 'emapi';
export const APP_PASSWORD = 'emapi-pass';
export const deviceName = (i: number): string =>
  `SEP${(0xa00000 + i).toString(16).toUpperCase().padStart(12, '0')}`;
export const emUser = (i: number): string => `emp${String(i).padStart(4, '0')}`;

export interface Fixture {
  appUsers: { appID: string; password: string; proxyRights: boolean }[];
  users: { userID: string; profiles: string[] }[];
  devices: { name: string; emEnabled: boolean }[];
  params?: Record<string, unknown>;
}

export function fixture(n: number, params: Record<string, unknown> = {}): Fixture {
  return {
    appUsers: [{ appID: APP_USER, password: APP_PASSWORD, proxyRights: true }],
    users: Array.from({ length: n + 5 }, (_, i) => ({ userID: emUser(i), profiles: [`UDP_${emUser(i)}`] })),
    devices: Array.from({ length: n + 5 }, (_, i) => ({ name: deviceName(i), emEnabled: true })),
    params,
  };
}

export interface SimState {
  now: string;
  counters: {
    requestsInProgress: number;
    requestsThrottled: number;
    requestsHandled: number;
    autoLogouts: number;
  };
  devices: {
    name: string;
    currentUser: string | null;
    loginAt: string | null;
    autoLogoutAt: string | null;
    lastUser: string | null;
  }[];
}

export interface SimLogEntry {
  time: string;
  operation: string;
  deviceName: string | null;
  userID: string | null;
  outcome: string;
  code: number | null;
}

export class Sim {
  constructor(public emulator: RunningEmulator) {}
  get url() {
    return this.emulator.url;
  }
  async control<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.emulator.url}/__sim/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} /__sim/${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  state = () => this.control<SimState>('GET', 'state');
  log = (limit = 1000) => this.control<SimLogEntry[]>('GET', `log?limit=${limit}`);
  params = (knobs: Record<string, unknown>) => this.control('PUT', 'params', knobs);
  fault = (spec: { code: number; op?: string; count?: number; deviceName?: string; userID?: string }) =>
    this.control('POST', 'faults', spec);
  setClock = (iso: string) => this.control('POST', 'clock', { set: iso });
  async userOn(device: string): Promise<string | null> {
    const s = await this.state();
    return s.devices.find((d) => d.name === device)?.currentUser ?? null;
  }
  /** Logs a user in directly (a walk-up at the phone), through the EM API itself. */
  async emLogin(device: string, user: string, minutes?: number): Promise<number | null> {
    const duration = minutes ? `<exclusiveDuration><time>${minutes}</time></exclusiveDuration>` : '';
    const xml = `<request><appInfo><appID>${APP_USER}</appID><appCertificate>${APP_PASSWORD}</appCertificate></appInfo><login><deviceName>${device}</deviceName><userID>${user}</userID>${duration}</login></request>`;
    const res = await fetch(`${this.emulator.url}/emservice/EMServiceServlet`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `xml=${encodeURIComponent(xml)}`,
    });
    const text = await res.text();
    const m = /code="(\d+)"/.exec(text);
    return m ? Number(m[1]) : null;
  }
}

export interface Bench {
  db: TestDatabase;
  sim: Sim;
  clock: ManualClock;
  clusterId: number;
  siteId: number;
  floorId: number;
  desks: { id: number; phoneId: number; deviceName: string }[];
  users: { id: number; emUserId: string; email: string }[];
  registry: EmClientRegistry;
  scheduler: Scheduler;
  newScheduler(opts?: { instanceId?: string; leaseMs?: number; db?: TestDatabase }): Scheduler;
  /** Moves both clocks to `iso` and runs one tick. */
  at(iso: string, opts?: { tick?: boolean }): Promise<void>;
  book(userIndex: number, deskIndex: number, startsAt: string, endsAt: string): Promise<number>;
  /** User i books desk i for each i < count, all at the same times; one round trip per table. */
  bookMany(count: number, startsAt: string, endsAt: string): Promise<number[]>;
  /** Stops the emulator (EM down); `startSim` brings a fresh one back on the same port. */
  stopSim(): Promise<void>;
  startSim(startAt: string): Promise<void>;
  close(): Promise<void>;
}

export interface BenchOptions {
  target: DbTarget;
  n: number;
  start: string;
  timeZone?: string;
  simParams?: Record<string, unknown>;
  cluster?: { maxConcurrentRequests?: number; concurrencyBudget?: number; loginLeadMinutes?: number };
  policy?: { releaseNoShowAfterMinutes?: number | null };
  poolSize?: number;
  leaseMs?: number;
  /** Emulator nodes (the cluster row lists them all); default 1. */
  nodes?: number;
  /** Keep the emulator's logins in a state file, so stopSim/startSim is a restart, not a new cluster. */
  keepSimState?: boolean;
  /** Timeout of scheduled EM calls, ms (default the client's 10 s). */
  emTimeoutMs?: number;
  /** Busy (26) retries inside one EM call, with real pauses (default the client's 8). */
  emBusyRetries?: number;
  /** The scheduler's notices (what roost.ts wires to the notifier). */
  notices?: Pick<SchedulerOptions, 'onLoginFailed' | 'onLastingWait'>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export async function createBench(opts: BenchOptions): Promise<Bench> {
  const db = await createTestDatabase(opts.target, opts.poolSize ? { poolSize: opts.poolSize } : {});
  const simFixture = fixture(opts.n, {
    maxConcurrentRequests: 5,
    latencyMs: { login: 5, logout: 5, query: 1 },
    ...(opts.simParams ?? {}),
  });
  const stateFile = opts.keepSimState
    ? path.join(mkdtempSync(path.join(tmpdir(), 'roost-bench-')), 'em-state.json')
    : undefined;
  const simOptions = {
    profile: '4.1' as const,
    fixture: simFixture,
    clock: 'manual' as const,
    nodes: opts.nodes ?? 1,
    ...(stateFile ? { stateFile } : {}),
  };
  const emulator = await startEmulator({
    ...simOptions,
    port: 0,
    startAt: new Date(opts.start).toISOString(),
  });
  const sim = new Sim(emulator);
  let simRunning = true;
  const clock = createManualClock(opts.start);
  const prisma = db.prisma;
  const cluster = await prisma.emCluster.create({
    data: {
      name: 'test',
      serviceUrl: emulator.nodes.map((n) => n.url).join(','),
      appUser: APP_USER,
      secretRef: 'env:ROOST_EM_APP_PASSWORD',
      maxConcurrentRequests: opts.cluster?.maxConcurrentRequests ?? 5,
      concurrencyBudget: opts.cluster?.concurrencyBudget ?? 4,
      loginLeadMinutes: opts.cluster?.loginLeadMinutes ?? 10,
    },
  });
  const site = await prisma.site.create({
    data: {
      name: 'HQ',
      timeZone: opts.timeZone ?? 'Europe/Berlin',
      emClusterId: cluster.id,
      policy: { create: { releaseNoShowAfterMinutes: opts.policy?.releaseNoShowAfterMinutes ?? null } },
    },
  });
  const floor = await prisma.floor.create({ data: { siteId: site.id, name: 'F1' } });
  await prisma.desk.createMany({
    data: Array.from({ length: opts.n }, (_, i) => ({ floorId: floor.id, label: `D${i}` })),
  });
  const deskRows = await prisma.desk.findMany({ where: { floorId: floor.id }, orderBy: { id: 'asc' } });
  await prisma.phone.createMany({
    data: deskRows.map((d, i) => ({ deskId: d.id, deviceName: deviceName(i) })),
  });
  const phones = await prisma.phone.findMany({ orderBy: { id: 'asc' } });
  const desks = deskRows.map((d, i) => ({ id: d.id, phoneId: phones[i]!.id, deviceName: deviceName(i) }));
  await prisma.user.createMany({
    data: Array.from({ length: opts.n + 2 }, (_, i) => ({
      email: `emp${i}@test.example`,
      displayName: `Employee ${i}`,
      emUserId: emUser(i),
      passwordHash: 'unused',
      homeSiteId: site.id,
    })),
  });
  const users = (await prisma.user.findMany({ orderBy: { id: 'asc' } })).map((u) => ({
    id: u.id,
    emUserId: u.emUserId!,
    email: u.email,
  }));
  const config = testConfig({
    em: { ...testConfig().em, appUser: APP_USER, appPassword: APP_PASSWORD },
  });
  const registryOptions = {
    config,
    clock,
    ...(opts.emTimeoutMs ? { timeoutMs: opts.emTimeoutMs } : {}),
    ...(opts.emBusyRetries !== undefined ? { busyRetries: opts.emBusyRetries } : {}),
  };
  const registry = createEmClientRegistry({ prisma, ...registryOptions });
  const newScheduler: Bench['newScheduler'] = (o = {}) =>
    createScheduler({
      prisma: (o.db ?? db).prisma,
      clock,
      log: silent,
      emClients: o.db ? createEmClientRegistry({ prisma: o.db.prisma, ...registryOptions }) : registry,
      leaseMs: o.leaseMs ?? opts.leaseMs ?? 60_000,
      ...(o.instanceId ? { instanceId: o.instanceId } : {}),
      ...opts.notices,
    });
  const scheduler = newScheduler({ instanceId: 'main' });
  return {
    db,
    sim,
    clock,
    clusterId: cluster.id,
    siteId: site.id,
    floorId: floor.id,
    desks,
    users,
    registry,
    scheduler,
    newScheduler,
    async at(iso, o = {}) {
      const t = new Date(iso);
      clock.set(t);
      if (simRunning) await sim.setClock(t.toISOString());
      if (o.tick !== false) await scheduler.tick(clock.now());
    },
    async book(userIndex, deskIndex, startsAt, endsAt) {
      return prisma.$transaction(async (tx) => {
        const r = await tx.reservation.create({
          data: {
            deskId: desks[deskIndex]!.id,
            userId: users[userIndex]!.id,
            startsAt: new Date(startsAt),
            endsAt: new Date(endsAt),
          },
        });
        await schedulePhoneActions(tx, r);
        return r.id;
      });
    },
    async bookMany(count, startsAt, endsAt) {
      await prisma.reservation.createMany({
        data: Array.from({ length: count }, (_, i) => ({
          deskId: desks[i]!.id,
          userId: users[i]!.id,
          startsAt: new Date(startsAt),
          endsAt: new Date(endsAt),
        })),
      });
      const rows = await prisma.reservation.findMany({
        where: { startsAt: new Date(startsAt) },
        include: { desk: { include: { phone: true } } },
        orderBy: { id: 'asc' },
      });
      await schedulePhoneActionsMany(
        prisma,
        rows.map((r) => ({
          id: r.id,
          deskId: r.deskId,
          startsAt: r.startsAt,
          endsAt: r.endsAt,
          phoneId: r.desk.phone!.id,
        })),
      );
      return rows.map((r) => r.id);
    },
    async stopSim() {
      await sim.emulator.close();
      simRunning = false;
    },
    async startSim(startAt) {
      // Node 1's port; further nodes take the ports after it, as the cluster row lists them.
      sim.emulator = await startEmulator({ ...simOptions, port: sim.emulator.port, startAt });
      simRunning = true;
    },
    async close() {
      await scheduler.stop();
      if (simRunning) await sim.emulator.close();
      await db.destroy();
    },
  };
}

export async function actionsOf(bench: Bench, reservationId: number) {
  return bench.db.prisma.phoneAction.findMany({ where: { reservationId }, orderBy: { id: 'asc' } });
}

/**
 * The web app over a bench's database, clock and EM clusters, with a facilities person signed
 * in: for tests of the Phones page and the facilities home. Close `app` after the test.
 */
export async function staffAppOn(
  bench: Bench,
  headers: Record<string, string> = {},
): Promise<{ app: FastifyInstance; browser: Browser }> {
  const phones = createPhonesService({
    prisma: bench.db.prisma,
    clock: bench.clock,
    emClients: bench.registry,
    metrics: bench.scheduler.metrics,
  });
  const app = await buildApp({
    config: testConfig(),
    db: bench.db,
    clock: bench.clock,
    logger: false,
    phones,
  });
  await app.ready();
  const staff = await createUser(bench.db.prisma, { role: 'FACILITIES', email: 'fac@test.example' });
  const browser = new Browser(app, headers);
  await browser.signIn(staff.email);
  return { app, browser };
}
