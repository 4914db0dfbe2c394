/**
 * Issue 12: phones that heal themselves. EM goes away (connection refused: the emulator process
 * is stopped, its logins kept in its state file) for ten minutes or a whole working day while
 * people book and release desks; when it answers again every phone matches its booking within
 * 30 s, and no action is left FAILED for a transport reason. The same after Roost itself was down.
 * Injected clocks (Roost's and the emulator's move together); only real HTTP latency is waited for.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { moveLogout } from '../../src/scheduler/jobs.js';
import { actionsOf, createBench, deviceName, emUser, type Bench } from './harness.js';

vi.setConfig({ testTimeout: 240_000 });

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** User i on desk i is logged in for i in `loggedIn`, every other desk of the first `n` is free. */
async function phonesMatch(bench: Bench, n: number, loggedIn: number[]): Promise<boolean> {
  const state = await bench.sim.state();
  for (let i = 0; i < n; i++) {
    const user = state.devices.find((d) => d.name === deviceName(i))?.currentUser ?? null;
    if (user !== (loggedIn.includes(i) ? emUser(i) : null)) return false;
  }
  return true;
}

async function release(bench: Bench, id: number, at: Date): Promise<void> {
  await bench.db.prisma.$transaction(async (tx) => {
    await tx.reservation.update({ where: { id }, data: { status: 'RELEASED', endsAt: at } });
    await moveLogout(tx, id, at);
  });
}

/** Ticks every 2 s of injected time from `from` until the phones match; the time that took, ms. */
async function convergence(bench: Bench, from: number, check: () => Promise<boolean>): Promise<number> {
  for (let t = from; t <= from + 60_000; t += 2_000) {
    await bench.at(iso(t));
    if (await check()) return t - from;
  }
  return Number.POSITIVE_INFINITY;
}

async function noTransportFailures(bench: Bench): Promise<void> {
  const failed = await bench.db.prisma.phoneAction.findMany({ where: { state: 'FAILED' } });
  expect(failed.map((a) => a.lastOutcome)).toEqual([]);
}

describe('EM away, then back (pglite)', () => {
  let bench: Bench;
  afterEach(() => bench?.close());

  it.each([
    ['10 minutes', 10 * MIN],
    ['8 hours', 8 * 60 * MIN],
  ])('EM refused for %s: every phone matches its booking within 30 s of EM answering', async (_, outage) => {
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    const down = t0 + MIN;
    const back = down + outage;
    const end = iso(back + 2 * 60 * MIN);
    bench = await createBench({ target: 'pglite', n: 6, start: iso(t0 - MIN), keepSimState: true });
    const a = await bench.book(0, 0, iso(t0), end);
    const b = await bench.book(1, 1, iso(t0), end);
    // Booked before the outage, starting during it.
    await bench.book(4, 4, iso(down + 4 * MIN), end);
    await bench.at(iso(t0));
    expect(await phonesMatch(bench, 6, [0, 1])).toBe(true);

    await bench.stopSim();
    // During the outage: two people book desks starting now, one releases hers.
    const steps = [down + 30_000, down + 2 * MIN, down + 4 * MIN, down + 6 * MIN, down + 9 * MIN];
    for (let t = down + 12 * MIN; t < back; t += 20 * MIN) steps.push(t);
    for (const t of steps.filter((x) => x < back)) {
      if (t === down + 2 * MIN) {
        await bench.book(2, 2, iso(t), end);
        await bench.book(3, 3, iso(t), end);
      }
      if (t === down + 4 * MIN) await release(bench, b, new Date(t));
      await bench.at(iso(t));
    }
    const waiting = await bench.db.prisma.phoneAction.findMany({
      where: { state: 'PENDING', dueAt: { lte: new Date(back) } },
    });
    expect(waiting.length).toBeGreaterThanOrEqual(4);
    expect(waiting.every((w) => w.attempts <= 1)).toBe(true);

    await bench.startSim(iso(back));
    const took = await convergence(bench, back, () => phonesMatch(bench, 6, [0, 2, 3, 4]));
    expect(took).toBeLessThanOrEqual(30_000);
    await noTransportFailures(bench);
    expect((await actionsOf(bench, a))[0]!.state).toBe('DONE');
    expect((await actionsOf(bench, b)).map((x) => x.state)).toEqual(['DONE', 'DONE']);
  });

  it('after Roost itself was down for two hours, catches up within 30 s of its first tick', async () => {
    const t0 = Date.parse('2026-03-02T08:00:00Z');
    bench = await createBench({ target: 'pglite', n: 5, start: iso(t0 - MIN) });
    const end = iso(t0 + 10 * 60 * MIN);
    await bench.book(0, 0, iso(t0), end);
    const b = await bench.book(1, 1, iso(t0), end);
    await bench.at(iso(t0));
    await bench.scheduler.stop();
    // Roost is down: bookings and a release land in the database (another instance's web tier).
    await bench.book(2, 2, iso(t0 + 30 * MIN), end);
    await bench.book(3, 3, iso(t0 + 60 * MIN), iso(t0 + 90 * MIN));
    await release(bench, b, new Date(t0 + 45 * MIN));
    const restarted = bench.newScheduler({ instanceId: 'restarted' });
    const from = t0 + 120 * MIN;
    let took = Number.POSITIVE_INFINITY;
    for (let t = from; t <= from + 60_000; t += 2_000) {
      bench.clock.set(new Date(t));
      await bench.sim.setClock(iso(t));
      await restarted.tick(bench.clock.now());
      if (await phonesMatch(bench, 5, [0, 2])) {
        took = t - from;
        break;
      }
    }
    await restarted.stop();
    expect(took).toBeLessThanOrEqual(30_000);
    await noTransportFailures(bench);
  });
});
