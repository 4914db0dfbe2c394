import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createEmCluster } from '../../src/em/em-cluster.js';
import type { EmClientRegistry } from '../../src/scheduler/em-clients.js';
import { createPhonesService } from '../../src/scheduler/phones-service.js';
import { createScheduler, type Scheduler } from '../../src/scheduler/scheduler.js';
import { Browser, testConfig } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import {
  actionsOf,
  APP_PASSWORD,
  APP_USER,
  createBench,
  deviceName,
  emUser,
  type Bench,
} from '../scheduler/harness.js';

// Real HTTP to the emulator and a proxy; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

/**
 * Fault and abuse suite: EM faults that test/scheduler/conflicts.int.test.ts does not cover
 * (it covers EM down for ten minutes, transient 6 retried, permanent 23). Here EM answers
 * 26 Busy for a while, stops answering within the client's timeout for a while, or sends
 * garbage. Roost never gives up for such a reason (issue 12): it waits for a probe to find EM
 * answering, shows the last outcome to staff on the Phones page, and once EM behaves again the
 * phone follows the booking with nobody pressing a button: no action is lost.
 * The manual clock moves; only real HTTP latency is waited for. PGlite only: the retry
 * decisions under test do not depend on the database.
 */
const START = '2026-03-02T08:00:00Z';
const END = '2026-03-02T16:00:00Z';
// Long enough for a loaded machine to answer a healthy request, short enough to wait out.
const TIMEOUT_MS = 1_500;

type Mode = 'pass' | 'hang' | 'garbage';

const garbage = [
  '<html><body>502 Bad Gateway</body></html>',
  '\u0000\u0001\u0002 not xml at all',
  '<response><success/>',
  '<!DOCTYPE response [<!ENTITY a "aaaa">]><response><failure><error code="6">&a;</error></failure></response>',
  '<response><success/><success/></response>',
  '',
];

/** Sits between Roost and the emulator: passes requests on, holds them unanswered, or answers garbage. */
async function startFaultProxy(target: () => string) {
  let mode: Mode = 'pass';
  let served = 0;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served++;
      if (mode === 'hang') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      if (mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(garbage[served % garbage.length]);
        return;
      }
      fetch(`${target()}${req.url}`, {
        method: req.method!,
        headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        body: Buffer.concat(chunks),
      })
        .then(async (up) => {
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/xml' });
          res.end(await up.text());
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(next: Mode) {
      mode = next;
      for (const res of held) res.destroy();
    },
    served: () => served,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Proxy = Awaited<ReturnType<typeof startFaultProxy>>;

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('EM faults: busy, timeouts and garbage for a while, then recovery', () => {
  let bench: Bench;
  let proxy: Proxy;
  let scheduler: Scheduler;
  let registry: EmClientRegistry;
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await scheduler?.stop();
    await proxy?.close();
    await bench?.close();
  });

  /** The bench, with Roost's EM client going through the fault proxy: short timeout, no real sleeping. */
  async function setUp() {
    bench = await createBench({ target: 'pglite', n: 3, start: '2026-03-02T07:59:00Z' });
    proxy = await startFaultProxy(() => bench.sim.url);
    const cluster = createEmCluster({
      nodeUrls: [proxy.url],
      appUser: APP_USER,
      appPassword: APP_PASSWORD,
      timeoutMs: TIMEOUT_MS,
      liveTimeoutMs: TIMEOUT_MS,
      busyRetries: 2,
      sleep: async () => {},
      now: () => bench.clock.now().getTime(),
    });
    let built: Awaited<ReturnType<EmClientRegistry['forCluster']>>;
    registry = {
      async forCluster(id) {
        const real = await bench.registry.forCluster(id);
        built = real && { ...real, client: cluster, liveClient: cluster.live, cluster };
        return built;
      },
      clusterOfPhone: (id) => bench.registry.clusterOfPhone(id),
      built: () => (built ? [built] : []),
    };
    scheduler = createScheduler({
      prisma: bench.db.prisma,
      clock: bench.clock,
      log: silent,
      emClients: registry,
      leaseMs: 60_000,
      random: () => 0.5,
    });
  }

  /** Moves both clocks to `iso` and runs one tick of the proxied scheduler. */
  async function at(iso: string | number) {
    await bench.at(new Date(iso).toISOString(), { tick: false });
    await scheduler.tick(bench.clock.now());
  }

  /** Ticks every `stepMs` of manual time from `from` up to `to` (inclusive). */
  async function run(from: string, to: string, stepMs: number, until?: () => Promise<boolean>) {
    for (let t = Date.parse(from); t <= Date.parse(to); t += stepMs) {
      await at(t);
      if (until && (await until())) return new Date(t).toISOString();
    }
    return undefined;
  }

  const loginOf = async (id: number) => (await actionsOf(bench, id))[0]!;

  it('keeps a login queued through a spell of 26 Busy and logs the phone in when EM has room again', async () => {
    await setUp();
    const id = await bench.book(0, 0, START, END);
    // 3 answers per claim (the client retries 26 twice inside); 12 makes four busy claims.
    await bench.sim.fault({ code: 26, op: 'login', count: 12 });
    await at(START);
    const busy = await loginOf(id);
    expect(busy.state).toBe('PENDING');
    expect(busy.lastEmCode).toBe(26);
    expect(busy.lastOutcome).toMatch(/Busy/);
    const doneAt = await run(
      START,
      '2026-03-02T08:20:00Z',
      10_000,
      async () => (await loginOf(id)).state === 'DONE',
    );
    expect(doneAt).toBeDefined();
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    const login = await loginOf(id);
    expect(login.attempts).toBeGreaterThanOrEqual(5);
    const codes = (await bench.sim.log()).filter((e) => e.operation === 'login').map((e) => e.code);
    expect(codes).toEqual([...Array<number>(12).fill(26), null]);
  });

  it('retries through a spell of timeouts (including one EM carried out after the client gave up)', async () => {
    await setUp();
    const id = await bench.book(0, 0, START, END);
    proxy.set('hang');
    await run(START, '2026-03-02T08:04:00Z', 30_000);
    const during = await loginOf(id);
    expect(during.state).toBe('PENDING');
    // The timeout took the node out of rotation; its probes (queries) time out too, and no
    // attempt is spent while no node answers.
    expect(during.attempts).toBe(1);
    expect(proxy.served()).toBeGreaterThanOrEqual(3);
    expect(during.lastOutcome).toMatch(new RegExp(`timeout after ${TIMEOUT_MS} ms`));
    const phone = await bench.db.prisma.phone.findUniqueOrThrow({ where: { id: bench.desks[0]!.phoneId } });
    expect(phone.lastEmOutcome).toMatch(/timeout/);
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();

    // EM answers again but slower than the client waits: the login lands after the client
    // has given up, so Roost does not know; the next attempt must find it done, not fail.
    proxy.set('pass');
    await bench.sim.params({ latencyMs: { login: TIMEOUT_MS + 1_000 } });
    await run('2026-03-02T08:10:30Z', '2026-03-02T08:15:00Z', 30_000, async () => {
      return (await bench.sim.log()).some((e) => e.operation === 'login' && e.code === null);
    });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    // Roost may already have seen it (a later query) or not yet; it never gives up on it.
    expect((await loginOf(id)).state).not.toBe('FAILED');

    await bench.sim.params({ latencyMs: { login: 5 } });
    const doneAt = await run('2026-03-02T08:15:30Z', '2026-03-02T08:30:00Z', 30_000, async () => {
      return (await loginOf(id)).state === 'DONE';
    });
    expect(doneAt).toBeDefined();
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    // Its logout is still queued for the booking's end.
    expect((await actionsOf(bench, id))[1]!.state).toBe('PENDING');
    await run(END, END, 1);
    expect((await actionsOf(bench, id))[1]!.state).toBe('DONE');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
  });

  it('retries through a spell of garbage answers and logs the phone in when EM makes sense again', async () => {
    await setUp();
    const id = await bench.book(0, 0, START, END);
    proxy.set('garbage');
    await run(START, '2026-03-02T08:05:00Z', 30_000);
    const during = await loginOf(id);
    expect(during.state).toBe('PENDING');
    expect(during.attempts).toBe(1);
    expect(proxy.served()).toBeGreaterThanOrEqual(3);
    expect(during.lastOutcome).toMatch(/EM unreachable .*unexpected reply/);
    proxy.set('pass');
    const doneAt = await run('2026-03-02T08:05:30Z', '2026-03-02T08:20:00Z', 30_000, async () => {
      return (await loginOf(id)).state === 'DONE';
    });
    expect(doneAt).toBeDefined();
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
  });

  it('never fails a login for a lasting garbage answer: staff see it, and the phone follows the booking once EM recovers', async () => {
    await setUp();
    const id = await bench.book(0, 0, START, END);
    proxy.set('garbage');
    await run(START, '2026-03-02T10:00:00Z', 120_000);
    const waiting = await loginOf(id);
    expect(waiting.state).toBe('PENDING');
    expect(waiting.lastOutcome).toMatch(/unexpected reply/);

    const phones = createPhonesService({
      prisma: bench.db.prisma,
      clock: bench.clock,
      emClients: registry,
      metrics: scheduler.metrics,
    });
    app = await buildApp({ config: testConfig(), db: bench.db, clock: bench.clock, logger: false, phones });
    await app.ready();
    const staff = await createUser(bench.db.prisma, { role: 'FACILITIES', email: 'fac@em-faults.example' });
    const browser = new Browser(app);
    await browser.signIn(staff.email);
    const page = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(deviceName(0));
    expect(page.body).toContain('unexpected reply');

    // EM makes sense again: the next probe puts the node back and the login runs, no button.
    proxy.set('pass');
    const doneAt = await run('2026-03-02T10:00:02Z', '2026-03-02T10:01:00Z', 2_000, async () => {
      return (await loginOf(id)).state === 'DONE';
    });
    expect(doneAt).toBeDefined();
    expect(Date.parse(doneAt!) - Date.parse('2026-03-02T10:00:02Z')).toBeLessThanOrEqual(30_000);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await bench.db.prisma.phoneAction.count({ where: { state: 'FAILED', lastEmCode: null } })).toBe(0);
    // The booking's logout was never lost: it runs at the end.
    await run(END, END, 1);
    expect((await actionsOf(bench, id)).find((a) => a.kind === 'LOGOUT')!.state).toBe('DONE');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
  });
});
