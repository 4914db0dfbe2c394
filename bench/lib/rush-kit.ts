// What the rush benchmarks share (morning-rush.ts, em-cluster-rush.ts): N phones and N people
// known to the emulator, an EM cluster row pointing at it, bookings that all start at one
// instant, and a tick loop at each whole second as node-cron would run it.
import { loadConfig } from '../../src/config.js';
import { createEmClientRegistry } from '../../src/scheduler/em-clients.js';
import { schedulePhoneActionsMany } from '../../src/scheduler/jobs.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';
import type { Clock } from '../../src/time/clock.js';
import type { Database } from '../../src/db/database.js';

export const deviceName = (i: number) => `SEP${(0xb00000 + i).toString(16).toUpperCase().padStart(12, '0')}`;
export const userName = (i: number) => `rush${String(i).padStart(5, '0')}`;
export const silent = { debug() {}, info() {}, warn() {}, error() {} };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mib = (kib: number) => Math.round(kib / 1024);
export const APP_USER = 'emapi';
export const APP_PASSWORD = 'emapi-pass';

/** The emulator fixture: `desks` phones and people, EM login taking `latencyMs`. */
export function rushFixture(desks: number, latencyMs: number, maxConcurrentRequests: number) {
  return {
    appUsers: [{ appID: APP_USER, password: APP_PASSWORD, proxyRights: true }],
    users: Array.from({ length: desks }, (_, i) => ({
      userID: userName(i),
      profiles: [`UDP_${userName(i)}`],
    })),
    devices: Array.from({ length: desks }, (_, i) => ({ name: deviceName(i), emEnabled: true })),
    params: {
      maxConcurrentRequests,
      latencyMs: { login: latencyMs, logout: Math.round(latencyMs * 0.6), query: 30 },
      requireAssociatedProfile: false,
    },
  };
}

/** One cluster (its node URLs comma-separated), a site, `desks` desks with phones and people. */
export async function seedRush(
  db: Database,
  opts: { desks: number; serviceUrl: string; maxConcurrentRequests: number; leadMinutes: number },
): Promise<{ phoneIds: number[]; deskIds: number[]; userIds: number[] }> {
  const p = db.prisma;
  const cluster = await p.emCluster.create({
    data: {
      name: 'bench',
      serviceUrl: opts.serviceUrl,
      appUser: APP_USER,
      secretRef: 'env:ROOST_EM_APP_PASSWORD',
      maxConcurrentRequests: opts.maxConcurrentRequests,
      concurrencyBudget: opts.maxConcurrentRequests - 1,
      loginLeadMinutes: opts.leadMinutes,
      apiProfile: 'modern',
    },
  });
  const site = await p.site.create({
    data: { name: 'Bench', timeZone: 'Europe/Berlin', emClusterId: cluster.id, policy: { create: {} } },
  });
  const floor = await p.floor.create({ data: { siteId: site.id, name: 'Rush' } });
  await p.desk.createMany({
    data: Array.from({ length: opts.desks }, (_, i) => ({ floorId: floor.id, label: `R${i}` })),
  });
  const deskIds = (await p.desk.findMany({ orderBy: { id: 'asc' } })).map((d) => d.id);
  await p.phone.createMany({ data: deskIds.map((deskId, i) => ({ deskId, deviceName: deviceName(i) })) });
  const phoneIds = (await p.phone.findMany({ orderBy: { id: 'asc' } })).map((x) => x.id);
  await p.user.createMany({
    data: Array.from({ length: opts.desks }, (_, i) => ({
      email: `${userName(i)}@bench.example`,
      displayName: userName(i),
      emUserId: userName(i),
      passwordHash: 'unused',
    })),
  });
  const userIds = (await p.user.findMany({ orderBy: { id: 'asc' } })).map((u) => u.id);
  return { phoneIds, deskIds, userIds };
}

/** Person i books desk i for 8 hours from `startsAt`, for i < n, with their phone actions. */
export async function bookRush(
  db: Database,
  seeded: { phoneIds: number[]; deskIds: number[]; userIds: number[] },
  n: number,
  startsAt: Date,
): Promise<void> {
  const endsAt = new Date(startsAt.getTime() + 8 * 3600_000);
  await db.prisma.reservation.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      deskId: seeded.deskIds[i]!,
      userId: seeded.userIds[i]!,
      startsAt,
      endsAt,
    })),
  });
  const rows = await db.prisma.reservation.findMany({ orderBy: { id: 'asc' } });
  await schedulePhoneActionsMany(
    db.prisma,
    rows.map((r, i) => ({
      id: r.id,
      deskId: r.deskId,
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      phoneId: seeded.phoneIds[i]!,
    })),
  );
}

/** Moves every booking, and its phone actions with it, by `shiftMs`. */
export async function shiftBookings(db: Database, shiftMs: number): Promise<void> {
  await db.prisma
    .$executeRaw`UPDATE "Reservation" SET "startsAt" = "startsAt" + ${shiftMs} * interval '1 millisecond', "endsAt" = "endsAt" + ${shiftMs} * interval '1 millisecond'`;
  await db.prisma
    .$executeRaw`UPDATE "PhoneAction" SET "dueAt" = "dueAt" + ${shiftMs} * interval '1 millisecond'`;
}

export interface SimDevice {
  name: string;
  currentUser: string | null;
  loginAt: string | null;
}

/** The emulator's devices (GET /__sim/state on any node). */
export async function simDevices(url: string): Promise<SimDevice[]> {
  const res = await fetch(`${url}/__sim/state`);
  return ((await res.json()) as { devices: SimDevice[] }).devices;
}

/** Ticks at each whole second of real time (as node-cron would) until `done` or `untilMs`. */
export async function tickLoop(
  tick: () => Promise<unknown>,
  done: () => Promise<boolean>,
  untilMs: number,
): Promise<void> {
  while (Date.now() < untilMs) {
    await sleep(1000 - (Date.now() % 1000));
    await tick();
    if (await done()) return;
  }
}

/** Roost's scheduler over the bench database, with `clock` and the emulator's app password. */
export function rushScheduler(db: Database, clock: Clock) {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }) };
  config.em = { ...config.em, appPassword: APP_PASSWORD };
  return createScheduler({
    prisma: db.prisma,
    clock,
    log: silent,
    emClients: createEmClientRegistry({ prisma: db.prisma, config, clock }),
  });
}
