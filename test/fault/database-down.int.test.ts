import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoost, type RunningRoost } from '../../src/roost.js';
import { createRunningClock } from '../../src/time/clock.js';
import { Browser, testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Fault and abuse suite: the database goes away under a running Roost. PostgreSQL itself is
 * shared with the other test files, so it is never stopped: a small TCP proxy sits between
 * Roost and it and plays the faults. (a) Unreachable for 20 s of real time: every open
 * connection is cut and new ones are swallowed; pages and the API answer 503 with
 * Retry-After within a bounded time (never 500, never a hang), /readyz answers 503, and once
 * the proxy heals Roost answers again and its scheduler logs a new booking's phone in by
 * itself. (b) Restarted: every connection is cut once and new ones are accepted at once;
 * the next requests succeed (at most one 503 first).
 *
 * It needs a served PostgreSQL (PGlite runs in-process and has no connection to lose), so
 * it runs when TEST_DATABASE_URL is set, as in .ci/run, and is skipped otherwise.
 */
const OUTAGE_MS = 20_000;
// The outage is real time (a TCP proxy cut for 20 s), but Roost's date and hour are not: it
// runs from a fixed Wednesday late morning in Berlin, so its rules never depend on when CI runs.
// Elapsed times are measured with performance.now(), which is a duration, not the time of day.
const clock = createRunningClock('2026-12-02T10:30:00Z');

/** A TCP proxy to PostgreSQL that can cut every connection and swallow new ones. */
class FaultyProxy {
  private server: net.Server;
  private sockets = new Set<net.Socket>();
  private down = false;
  port = 0;

  constructor(private target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private track(socket: net.Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: net.Socket) {
    this.track(client);
    // Unreachable: the connection opens but nothing ever answers (a black hole).
    if (this.down) return;
    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Cuts every open connection, as a crashed server or a broken network would. */
  cutAll() {
    for (const socket of this.sockets) socket.destroy();
  }

  goDown() {
    this.down = true;
    this.cutAll();
  }

  heal() {
    this.down = false;
    this.cutAll(); // the swallowed connections
  }

  async close() {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('the database goes away under a running Roost', () => {
  let db: TestDatabase;
  let proxy: FaultyProxy;
  let roost: RunningRoost;
  let token: string;
  let cookie: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const real = new URL(db.url!);
    proxy = new FaultyProxy({ host: real.hostname, port: Number(real.port || 5432) });
    await proxy.listen();
    const viaProxy = new URL(db.url!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const base = testConfig();
    roost = await startRoost(
      Object.freeze({
        ...base,
        databaseUrl: viaProxy.toString(),
        dataDir: 'memory://',
        port: 0,
        em: { ...base.em, simPort: 0 },
        seedDemo: true,
        schedulerTickSeconds: 1,
      }),
      { clock, log: pino({ level: 'silent' }) },
    );
    // Whatever the hour this runs at, the demo site's rules allow a booking now.
    await roost.db.prisma.bookingPolicy.updateMany({
      data: { workdayStartMinute: 0, workdayEndMinute: 1440, workingDays: [1, 2, 3, 4, 5, 6, 7] },
    });
    const res = await fetch(`${roost.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@roost.example', password: 'roost-demo' }),
    });
    token = ((await res.json()) as { token: string }).token;
    const browser = new Browser(roost.app);
    await browser.signIn('ada@roost.example', 'roost-demo');
    cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }, 120_000);

  afterAll(async () => {
    await roost?.close();
    await proxy?.close();
    await db?.destroy();
  });

  /** One request over real HTTP; a hang fails it after 15 s instead of hanging the test. */
  async function get(path: string, kind: 'page' | 'api' | 'plain') {
    const started = performance.now();
    const headers: Record<string, string> =
      kind === 'page'
        ? { cookie, accept: 'text/html' }
        : kind === 'api'
          ? { authorization: `Bearer ${token}` }
          : {};
    const res = await fetch(`${roost.url}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      ms: performance.now() - started,
    };
  }

  const probes = [
    ['/book', 'page'],
    ['/', 'page'],
    ['/api/v1/reservations', 'api'],
    ['/api/v1/sites', 'api'],
  ] as const;

  async function allHealthy() {
    for (const [path, kind] of probes) expect((await get(path, kind)).status, path).toBe(200);
    expect((await get('/readyz', 'plain')).status).toBe(200);
  }

  /** Polls the emulator until the phone shows `user`, for at most `ms`. */
  async function waitForPhone(deviceName: string, user: string | null, ms: number) {
    const started = performance.now();
    let now: string | null = null;
    while (performance.now() - started < ms) {
      const state = (await (await fetch(`${roost.emulator!.url}/__sim/state`)).json()) as {
        devices: { name: string; currentUser: string | null }[];
      };
      now = state.devices.find((d) => d.name === deviceName)?.currentUser ?? null;
      if (now === user) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${deviceName} did not show ${user ?? 'nobody'} within ${ms} ms (now: ${now})`);
  }

  it(
    'answers 503 with Retry-After while PostgreSQL is unreachable for 20 s, then recovers by itself',
    async () => {
      await allHealthy();
      proxy.goDown();
      const until = performance.now() + OUTAGE_MS;
      const seen: string[] = [];
      while (performance.now() < until - 1_000) {
        for (const [path, kind] of probes) {
          const res = await get(path, kind);
          seen.push(`${path} ${res.status} ${res.ms}ms`);
          expect(res.status, `${path} during the outage`).toBe(503);
          expect(res.retryAfter, path).toMatch(/^\d+$/);
          expect(res.ms, path).toBeLessThan(10_000);
        }
        const ready = await get('/readyz', 'plain');
        expect(ready.status).toBe(503);
        expect(ready.ms).toBeLessThan(10_000);
        expect((await get('/healthz', 'plain')).status).toBe(200);
      }
      expect(seen.length).toBeGreaterThanOrEqual(4);
      await new Promise((r) => setTimeout(r, Math.max(0, until - performance.now())));
      proxy.heal();

      // The pool reconnects on demand: at most one failed round after healing.
      let healthy = false;
      for (let i = 0; i < 3 && !healthy; i++) {
        const res = await get('/api/v1/reservations', 'api');
        expect(res.status).not.toBe(500);
        healthy = res.status === 200;
      }
      expect(healthy).toBe(true);
      await allHealthy();

      // The scheduler kept ticking through the outage and carries on: a booking that starts
      // now logs the phone in on the emulator within 10 s.
      const ada = await roost.db.prisma.user.findUniqueOrThrow({ where: { email: 'ada@roost.example' } });
      await roost.db.prisma.reservation.updateMany({
        where: { userId: ada.id, status: { in: ['BOOKED', 'CHECKED_IN'] } },
        data: { status: 'CANCELLED' },
      });
      const start = clock.now();
      const end = new Date(start.getTime() + 60 * 60_000);
      const floor = await roost.db.prisma.floor.findFirstOrThrow({ where: { siteId: ada.homeSiteId! } });
      const availability = await fetch(
        `${roost.url}/api/v1/floors/${floor.id}/availability?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const desk = (
        (await availability.json()) as { desks: { id: number; available: boolean }[] }
      ).desks.find((d) => d.available)!;
      const phone = await roost.db.prisma.phone.findUniqueOrThrow({ where: { deskId: desk.id } });
      const created = await fetch(`${roost.url}/api/v1/reservations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ deskId: desk.id, start: start.toISOString(), end: end.toISOString() }),
      });
      expect(created.status).toBe(201);
      await waitForPhone(phone.deviceName, ada.emUserId, 10_000);
    },
    OUTAGE_MS + 60_000,
  );

  it('comes back after PostgreSQL restarts (every connection cut once), with at most one 503', async () => {
    await allHealthy();
    proxy.cutAll();
    for (const [path, kind] of probes) {
      let res = await get(path, kind);
      if (res.status === 503) {
        expect(res.retryAfter).toMatch(/^\d+$/);
        res = await get(path, kind);
      }
      expect(res.status, path).toBe(200);
    }
    await allHealthy();
  }, 60_000);
});
