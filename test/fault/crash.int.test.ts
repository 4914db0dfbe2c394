import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { zoneWhereItIsMidday } from '../helpers/zones.js';

/**
 * Fault suite: crash safety. Roost runs as a real child process with PostgreSQL behind
 * it and talks to an emulator that outlives it. Ten times, during a rush of API
 * bookings and releases whose phone actions are falling due, it is killed with SIGKILL
 * at a random moment and started again. After each restart no acknowledged booking is
 * lost, none is duplicated, and within 30 s every phone shows exactly the user whose
 * booking covers the present (or nobody).
 *
 * It needs PostgreSQL (several processes share the database): it runs when
 * TEST_DATABASE_URL is set, as in .ci/run, and is skipped otherwise.
 */
const root = path.resolve(import.meta.dirname, '../..');
// As `npm start` runs it: TypeScript through tsx's loader in one node process, so
// signals reach Roost itself (no launcher in between).
const node = process.execPath;
const startArgs = ['--import', 'tsx', 'src/server.ts'];
const ROUNDS = 10;
const PER_ROUND = 6;
const PHONES = ROUNDS * PER_ROUND + 4;
const PASSWORD = 'crash-test-password';
const device = (i: number) => `SEP${(0xc0000 + i).toString(16).toUpperCase().padStart(12, '0')}`;
const emId = (i: number) => `crash${String(i).padStart(3, '0')}`;

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('crash safety: kill -9 during a rush (PostgreSQL)', () => {
  let db: TestDatabase;
  let emulator: RunningEmulator;
  let dataDir: string;
  const users: { id: number; email: string; emUserId: string; token?: string }[] = [];
  const desks: { id: number; deviceName: string }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres', { poolSize: 4 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'roost-crash-'));
    emulator = await startEmulator({
      port: 0,
      profile: '4.1',
      clock: 'system',
      fixture: {
        appUsers: [{ appID: 'emapi', password: 'emapi-pass', proxyRights: true }],
        users: Array.from({ length: PHONES }, (_, i) => ({ userID: emId(i), profiles: [`UDP_${emId(i)}`] })),
        devices: Array.from({ length: PHONES }, (_, i) => ({ name: device(i), emEnabled: true })),
        params: { latencyMs: { login: 60, logout: 40, query: 10 } },
      },
    });
    const cluster = await db.prisma.emCluster.create({
      data: {
        name: 'default',
        serviceUrl: emulator.url,
        appUser: 'emapi',
        secretRef: 'env:ROOST_EM_APP_PASSWORD',
        maxConcurrentRequests: 3,
        concurrencyBudget: 2,
      },
    });
    const site = await db.prisma.site.create({
      data: {
        name: 'Crash site',
        // Roost runs as its own process on the system clock (a real kill -9): a zone where it
        // is midday now keeps every booking of the test within one local day, at any hour.
        timeZone: zoneWhereItIsMidday(new Date()),
        emClusterId: cluster.id,
        policy: {
          create: {
            workdayStartMinute: 0,
            workdayEndMinute: 1440,
            workingDays: [1, 2, 3, 4, 5, 6, 7],
            maxBookingsPerDay: 50,
          },
        },
      },
    });
    const floor = await db.prisma.floor.create({ data: { siteId: site.id, name: 'Ground' } });
    const passwordHash = await hashPassword(PASSWORD);
    for (let i = 0; i < PHONES; i++) {
      const desk = await db.prisma.desk.create({
        data: {
          floorId: floor.id,
          label: `C${i}`,
          posX: 10 + i,
          posY: 10,
          phone: { create: { deviceName: device(i) } },
        },
      });
      desks.push({ id: desk.id, deviceName: device(i) });
      const user = await db.prisma.user.create({
        data: {
          email: `${emId(i)}@crash.example`,
          displayName: `Crash ${i}`,
          emUserId: emId(i),
          passwordHash,
          homeSiteId: site.id,
        },
      });
      users.push({ id: user.id, email: user.email, emUserId: emId(i) });
    }
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await db?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function startRoost(): Promise<Child> {
    const child = spawn(node, startArgs, {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: db.url!,
        SESSION_SECRET: 'crash-test-session-secret-0123456789abcdef',
        ROOST_EM_URL: emulator.url,
        ROOST_EM_APP_USER: 'emapi',
        ROOST_EM_APP_PASSWORD: 'emapi-pass',
        ROOST_EM_MAX_CONCURRENT: '3',
        ROOST_DATA_DIR: dataDir,
        ROOST_SCHEDULER_TICK_SECONDS: '1',
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Roost did not start in 60 s:\n${out.slice(-3000)}`)),
        60_000,
      );
      child.stdout!.on('data', () => {
        const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve({ process: child, url, output: () => out });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Roost exited with ${code}:\n${out.slice(-3000)}`));
      });
    });
  }

  const killHard = (child: Child) =>
    new Promise<void>((resolve) => {
      child.process.once('exit', () => resolve());
      child.process.kill('SIGKILL');
    });

  async function post(child: Child, url: string, body: unknown, token?: string) {
    const res = await fetch(`${child.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: (await res.json()) as { id?: number; token?: string } };
  }

  /** Who should be on each phone now, by the bookings in the database. */
  async function expectedPhones(): Promise<Map<string, string | null>> {
    const now = new Date();
    const current = await db.prisma.reservation.findMany({
      where: { status: { in: ['BOOKED', 'CHECKED_IN'] }, startsAt: { lte: now }, endsAt: { gt: now } },
      include: { user: true, desk: { include: { phone: true } } },
    });
    const expected = new Map<string, string | null>(desks.map((d) => [d.deviceName, null]));
    for (const r of current) expected.set(r.desk.phone!.deviceName, r.user.emUserId);
    return expected;
  }

  async function mismatches(): Promise<string[]> {
    const expected = await expectedPhones();
    const state = (await (await fetch(`${emulator.url}/__sim/state`)).json()) as {
      devices: { name: string; currentUser: string | null }[];
    };
    return state.devices
      .filter((d) => expected.has(d.name) && expected.get(d.name) !== d.currentUser)
      .map(
        (d) =>
          `${d.name}: expected ${expected.get(d.name) ?? 'nobody'}, phone has ${d.currentUser ?? 'nobody'}`,
      );
  }

  it('loses and duplicates no booking, and every phone converges to its booking within 30 s after each restart', async () => {
    let child = await startRoost();
    const acknowledged: number[] = [];
    try {
      for (const user of users)
        user.token = (
          await post(child, '/api/v1/tokens', { email: user.email, password: PASSWORD })
        ).body.token;
      for (let round = 0; round < ROUNDS; round++) {
        // A rush: bookings starting within the next seconds, so their logins fall due
        // around the crash. The first half is acknowledged before the kill window opens
        // (those must survive); the rest, and releases of the previous round's bookings,
        // are in flight when Roost dies (they may or may not have happened, but never twice).
        const now = Date.now();
        const book = (k: number) => {
          const i = round * PER_ROUND + k;
          return post(
            child,
            '/api/v1/reservations',
            {
              deskId: desks[i]!.id,
              start: new Date(now + k * 400).toISOString(),
              end: new Date(now + 25_000 + k * 3_000).toISOString(),
            },
            users[i]!.token,
          );
        };
        const half = PER_ROUND / 2;
        for (let k = 0; k < half; k++) {
          const r = await book(k);
          expect(r.status, `round ${round}: booking ${k} before the crash`).toBe(201);
          acknowledged.push(r.body.id!);
        }
        const rush = Array.from(
          { length: PER_ROUND - half },
          (_, k) =>
            book(half + k)
              .then((r) => (r.status === 201 && r.body.id ? acknowledged.push(r.body.id) : undefined))
              .catch(() => undefined), // no answer: the process died mid-request
        );
        const previous = acknowledged.slice(-PER_ROUND - half, -PER_ROUND);
        const releases = previous.map(async (id) => {
          const r = await db.prisma.reservation.findUnique({ where: { id }, include: { user: true } });
          const token = users.find((u) => u.id === r?.userId)?.token;
          return post(child, `/api/v1/reservations/${id}/release`, {}, token).catch(() => undefined);
        });
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1500)));
        await killHard(child);
        await Promise.all([...rush, ...releases]);

        child = await startRoost();
        const rows = await db.prisma.reservation.findMany({
          select: { id: true, userId: true, deskId: true, startsAt: true },
        });
        const ids = new Set(rows.map((r) => r.id));
        expect(
          acknowledged.filter((id) => !ids.has(id)),
          `round ${round}: acknowledged bookings lost`,
        ).toEqual([]);
        const keys = rows.map((r) => `${r.userId}/${r.deskId}/${r.startsAt.toISOString()}`);
        expect(keys.length - new Set(keys).size, `round ${round}: duplicated bookings`).toBe(0);

        const started = Date.now();
        let left = await mismatches();
        while (left.length > 0 && Date.now() - started < 30_000) {
          await new Promise((r) => setTimeout(r, 250));
          left = await mismatches();
        }
        expect(left, `round ${round}: phones not converged 30 s after restart`).toEqual([]);
      }
      // No login was carried out twice: each desk here has one booking, so its phone has
      // at most one successful EM login however often Roost died around it.
      const log = (await (await fetch(`${emulator.url}/__sim/log?limit=1000`)).json()) as {
        operation: string;
        outcome: string;
        deviceName: string;
      }[];
      const perPhone = new Map<string, number>();
      for (const e of log.filter((x) => x.operation === 'login' && x.outcome === 'success'))
        perPhone.set(e.deviceName, (perPhone.get(e.deviceName) ?? 0) + 1);
      expect(perPhone.size).toBeGreaterThan(ROUNDS);
      expect([...perPhone].filter(([, n]) => n > 1)).toEqual([]);
    } finally {
      child.process.kill('SIGTERM');
    }
  }, 600_000);
});
