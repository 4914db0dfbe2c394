/**
 * Issue 12, the faults around a single phone: a login answered 18 after the batch pre-query, a
 * permanent failure that staff fix (the phone's name corrected) and that then logs in with no
 * button pressed, lease renewal shown deterministically, and a cluster busy (26) for 26 minutes.
 * Injected clock, emulator over HTTP.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { userActor } from '../../src/audit/audit-log.js';
import { createDesksService } from '../../src/admin/desks-service.js';
import { phoneStatusOf } from '../../src/booking/booking-summary.js';
import { RETRY_CURVES } from '../../src/scheduler/retry-policy.js';
import { MINUTE_MS } from '../../src/time/clock.js';
import { actionsOf, createBench, deviceName, emUser, fixture, type Bench } from './harness.js';

/** The emulator parameters createBench starts with (a reset must bring the same back). */
const SIM_PARAMS = { maxConcurrentRequests: 5, latencyMs: { login: 5, logout: 5, query: 1 } };

vi.setConfig({ testTimeout: 180_000 });

const START = '2026-03-02T08:00:00Z';
const END = '2026-03-02T16:00:00Z';

async function auditActions(bench: Bench): Promise<string[]> {
  const rows = await bench.db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });
  return rows.map((r) => r.action);
}

describe('phones that heal themselves (pglite)', () => {
  let bench: Bench;
  afterEach(() => bench?.close());

  it('a login answered 18 after the pre-query saw the phone free: asks EM again and logs in', async () => {
    bench = await createBench({ target: 'pglite', n: 2, start: '2026-03-02T07:59:00Z' });
    const id = await bench.book(0, 0, START, END);
    // Someone walked up between the pre-query and the login: EM answers 18 to Roost's login.
    await bench.sim.fault({ code: 18, op: 'login', count: 1, deviceName: deviceName(0) });
    await bench.at(START);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    const login = (await actionsOf(bench, id))[0]!;
    expect(login.state).toBe('DONE');
    expect(login.attempts).toBe(1);
    const ops = (await bench.sim.log()).map((e) => [e.operation, e.code]);
    expect(ops).toEqual([
      ['deviceUserQuery', null],
      ['login', 18],
      ['deviceUserQuery', null],
      ['login', null],
    ]);
  });

  it('a walk-up EM reports only when Roost logs in (18): logged out, the owner logged in', async () => {
    bench = await createBench({ target: 'pglite', n: 3, start: '2026-03-02T07:59:00Z' });
    const id = await bench.book(0, 0, START, END);
    expect(await bench.sim.emLogin(deviceName(0), emUser(2))).toBeNull();
    // The batch pre-query does not get through, so the login itself meets the walk-up.
    await bench.sim.fault({ code: 6, op: 'query', count: 1 });
    await bench.at(START);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
    expect(await auditActions(bench)).toEqual(['phone.occupant_logged_out']);
  });

  it('a permanent failure fixed by staff (phone name corrected) logs in with no button pressed', async () => {
    bench = await createBench({ target: 'pglite', n: 2, start: '2026-03-02T07:59:00Z' });
    const prisma = bench.db.prisma;
    // The desk's phone was entered with a typo: EM does not know it (code 11, needs a person).
    await prisma.phone.update({
      where: { id: bench.desks[0]!.phoneId },
      data: { deviceName: 'SEP0000DEADBEEF' },
    });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    const failed = (await actionsOf(bench, id))[0]!;
    expect(failed.state).toBe('FAILED');
    expect(failed.lastEmCode).toBe(11);
    // Not tried again by itself within the next minutes (it needs a person) ...
    await bench.at('2026-03-02T08:05:00Z');
    expect((await actionsOf(bench, id))[0]!.attempts).toBe(1);

    // ... until staff correct the name on the desk page (audited), at 08:06.
    const staff = await prisma.user.create({
      data: { email: 'fac@heal.example', displayName: 'Facilities', role: 'FACILITIES', passwordHash: 'x' },
    });
    bench.clock.set(new Date('2026-03-02T08:06:00Z'));
    await createDesksService({ prisma, clock: bench.clock }).updateDesk(
      userActor(staff),
      bench.desks[0]!.id,
      {
        label: 'D0',
        phone: deviceName(0),
        bookable: 'true',
        posX: '10',
        posY: '10',
        features: '',
      },
    );
    await bench.at('2026-03-02T08:06:20Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await auditActions(bench)).toContain('phone.relogin_queued');
    // The logout at the end follows the booking to the corrected phone as well.
    await bench.at(END);
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
  });

  it('a failure needing a person is checked again every 15 minutes', async () => {
    bench = await createBench({ target: 'pglite', n: 2, start: '2026-03-02T07:59:00Z' });
    await bench.sim.control('PUT', `devices/${deviceName(0)}`, { emEnabled: false });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    expect((await actionsOf(bench, id))[0]!.state).toBe('FAILED');
    // The cluster administrator enables EM on the phone; nobody tells Roost.
    await bench.sim.control('PUT', `devices/${deviceName(0)}`, { emEnabled: true });
    await bench.at('2026-03-02T08:10:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    await bench.at('2026-03-02T08:15:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
  });
});

describe('lease renewal, deterministically (pglite)', () => {
  let bench: Bench;
  afterEach(() => bench?.close());

  /** Instance A claims the login and is inside a slow EM call when B ticks past A's lease. */
  async function slowClaim(renew: boolean) {
    bench = await createBench({
      target: 'pglite',
      n: 1,
      start: '2026-03-02T07:59:00Z',
      cluster: { loginLeadMinutes: 0 },
      simParams: { latencyMs: { login: 1_500, logout: 5, query: 1 } },
    });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START, { tick: false });
    const a = bench.newScheduler({ instanceId: 'a', leaseMs: 10_000 });
    const b = bench.newScheduler({ instanceId: 'b', leaseMs: 10_000 });
    const ticking = a.tick(bench.clock.now());
    while ((await actionsOf(bench, id))[0]!.state !== 'RUNNING') await new Promise((r) => setTimeout(r, 10));
    // 8 s later (injected) A is still in the call; with renewal its lease now runs to 08:00:18.
    bench.clock.set(new Date('2026-03-02T08:00:08Z'));
    if (renew) await a.renewLeases();
    bench.clock.set(new Date('2026-03-02T08:00:11Z'));
    const other = await b.tick(bench.clock.now());
    await ticking;
    await a.stop();
    await b.stop();
    const logins = (await bench.sim.log()).filter((e) => e.operation === 'login');
    return { claimedByB: other.claimed, logins, login: (await actionsOf(bench, id))[0]! };
  }

  it('without renewal, a slow EM call outlives the lease and a second instance claims the action', async () => {
    const { claimedByB, logins } = await slowClaim(false);
    expect(claimedByB).toBe(1);
    expect(logins.length).toBe(2);
  });

  it('with renewal, a second instance never claims it', async () => {
    const { claimedByB, logins, login } = await slowClaim(true);
    expect(claimedByB).toBe(0);
    expect(logins.map((e) => e.code)).toEqual([null]);
    expect(login.state).toBe('DONE');
    expect(login.attempts).toBe(1);
  });
});

describe('26 for 26 minutes during a booking (pglite)', () => {
  let bench: Bench;
  afterEach(async () => {
    vi.restoreAllMocks();
    await bench?.close();
  });

  it('keeps trying without giving up, says so in plain words, tells facilities once, and logs in when EM has room', async () => {
    const waits: { clusterId: number; count: number; since: Date }[] = [];
    const owners: { reservationId: number; problem: string }[] = [];
    // Every retry's jitter at its longest, so the wait after 08:26 is the worst case every run.
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    bench = await createBench({
      target: 'pglite',
      n: 2,
      start: '2026-03-02T07:59:00Z',
      // The scheduler's backoff on the injected clock retries, not the client's real pauses.
      emBusyRetries: 0,
      notices: {
        onLastingWait: (w) => waits.push(w),
        onLoginFailed: (reservationId, problem) => owners.push({ reservationId, problem }),
      },
    });
    const id = await bench.book(0, 0, START, END);
    // From 08:00 the cluster answers every login of this phone "busy" (26), for 26 minutes.
    await bench.sim.fault({ code: 26, op: 'login', count: 100_000, deviceName: deviceName(0) });
    const statuses: string[] = [];
    for (let minute = 0; minute <= 26; minute++) {
      const at = new Date(Date.parse(START) + minute * MINUTE_MS);
      await bench.at(at.toISOString());
      const actions = await actionsOf(bench, id);
      const login = actions[0]!;
      // Busy is never a reason to stop: no FAILED, nobody told to act, just waiting.
      expect(login.state, at.toISOString()).toBe('PENDING');
      expect(login.lastEmCode, at.toISOString()).toBe(26);
      const status = phoneStatusOf(actions, at, new Date(START));
      statuses.push(`${minute}:${status?.kind}${status?.lasting ? ' (lasting)' : ''}`);
      expect(status?.since?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    }
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    expect(owners).toEqual([]);
    // A passing fault first, a lasting one from 15 minutes on: the employee reads which.
    expect(statuses.slice(0, 15).every((s) => s.endsWith(':waiting'))).toBe(true);
    expect(statuses.slice(15).every((s) => s.endsWith(':waiting (lasting)'))).toBe(true);
    // Facilities were told once, though the wait lasted through many housekeeping passes.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ clusterId: bench.clusterId, count: 1 });
    expect(waits[0]!.since.toISOString()).toBe('2026-03-02T08:00:00.000Z');

    // 08:26: the cluster has room again (its faults cleared, the state kept: nobody logged in).
    await bench.sim.control('POST', 'reset', {
      fixture: fixture(2, SIM_PARAMS),
      now: '2026-03-02T08:26:00Z',
    });
    // The last busy answer came at 08:26 at the latest; its retry is due within the busy curve's
    // cap with its jitter (up to 1.25 x, random), so the clock moves that far in 10 s ticks.
    const roomAt = Date.parse('2026-03-02T08:26:00Z');
    for (let t = roomAt + 10_000; t <= roomAt + RETRY_CURVES.busy.capMs * 1.25 + 10_000; t += 10_000) {
      await bench.at(new Date(t).toISOString());
      if ((await bench.sim.userOn(deviceName(0))) !== null) break;
    }
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
    // The episode ends once nothing waits; a new lasting wait would be told again.
    await bench.at('2026-03-02T08:28:00Z');
    const episodes = await bench.db.prisma.auditEvent.findMany({
      where: { action: { in: ['em.wait_alerted', 'em.wait_cleared'] } },
      orderBy: { id: 'asc' },
    });
    expect(episodes.map((e) => e.action)).toEqual(['em.wait_alerted', 'em.wait_cleared']);
  });
});
