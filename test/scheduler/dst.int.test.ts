import { afterEach, describe, expect, it, vi } from 'vitest';
import { wallTimeToInstant } from '../../src/time/zones.js';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, createBench, deviceName, type Bench } from './harness.js';

// Real HTTP to the emulator and a real database; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

/** Bookings 01:00-04:00 wall time on the night each zone changes its clocks. */
const cases = [
  // Clocks go forward 02:00 -> 03:00: three wall hours are two real hours.
  {
    zone: 'Europe/Berlin',
    date: [2026, 3, 29],
    login: '2026-03-29T00:00:00.000Z',
    logout: '2026-03-29T02:00:00.000Z',
  },
  {
    zone: 'America/New_York',
    date: [2026, 3, 8],
    login: '2026-03-08T06:00:00.000Z',
    logout: '2026-03-08T08:00:00.000Z',
  },
  // Clocks go back 03:00 -> 02:00: three wall hours are four real hours.
  {
    zone: 'Australia/Sydney',
    date: [2026, 4, 5],
    login: '2026-04-04T14:00:00.000Z',
    logout: '2026-04-04T18:00:00.000Z',
  },
] as const;

describe.each(dbTargets)('daylight saving changes (%s)', (target) => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it.each(cases)('$zone: logs in and out at the booked instants', async ({ zone, date, login, logout }) => {
    const [year, month, day] = date;
    const startsAt = wallTimeToInstant(zone, { year, month, day, hour: 1, minute: 0 });
    const endsAt = wallTimeToInstant(zone, { year, month, day, hour: 4, minute: 0 });
    expect([startsAt.toISOString(), endsAt.toISOString()]).toEqual([login, logout]);
    const from = startsAt.getTime() - 60 * 60_000;
    bench = await createBench({ target, n: 1, start: new Date(from).toISOString(), timeZone: zone });
    const id = await bench.book(0, 0, login, logout);
    // A tick every 15 minutes of real time through the night.
    for (let t = from; t <= endsAt.getTime() + 30 * 60_000; t += 15 * 60_000) {
      await bench.at(new Date(t).toISOString());
    }
    const log = await bench.sim.log();
    expect(
      log.filter((e) => e.operation !== 'deviceUserQuery').map((e) => [e.operation, e.time, e.code]),
    ).toEqual([
      ['login', login, null],
      ['logout', logout, null],
    ]);
    expect((await actionsOf(bench, id)).map((a) => a.state)).toEqual(['DONE', 'DONE']);
    // The cluster-side duration is real minutes: booked length plus the grace.
    const minutes = (endsAt.getTime() - startsAt.getTime()) / 60_000 + 5;
    const phone = await bench.db.prisma.phone.findUniqueOrThrow({ where: { deviceName: deviceName(0) } });
    expect(phone.emUserId).toBeNull();
    const loginEntry = await bench.db.prisma.phoneAction.findFirstOrThrow({
      where: { reservationId: id, kind: 'LOGIN' },
    });
    expect(loginEntry.lastOutcome).toContain(`for ${minutes} min`);
  });
});
