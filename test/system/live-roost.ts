import { pino } from 'pino';
import { startRoost, type RunningRoost } from '../../src/roost.js';
import { systemClock } from '../../src/time/clock.js';
import { testConfig } from '../helpers/app.js';
import { zoneWhereItIsMidday } from '../helpers/zones.js';

/**
 * Roost started as `npm start` starts it (emulator beside it, demo data, scheduler ticking
 * every second), in real time, on free ports with an in-memory database. The demo sites'
 * rules are widened, and their zone moved, so that a booking "now" is allowed whatever the
 * hour and weekday the test runs at.
 */
export async function startLiveRoost(): Promise<RunningRoost> {
  const base = testConfig();
  const roost = await startRoost(
    Object.freeze({
      ...base,
      dataDir: 'memory://',
      port: 0,
      em: { ...base.em, simPort: 0 },
      seedDemo: true,
      schedulerTickSeconds: 1,
    }),
    { clock: systemClock, log: pino({ level: 'silent' }) },
  );
  // In real time the hour is whatever it is: the demo sites move to a zone where it is midday,
  // so a booking from now for an hour or two never crosses a local midnight or a DST change.
  await roost.db.prisma.site.updateMany({ data: { timeZone: zoneWhereItIsMidday(systemClock.now()) } });
  await roost.db.prisma.bookingPolicy.updateMany({
    data: {
      workdayStartMinute: 0,
      workdayEndMinute: 1440,
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      maxBookingsPerDay: 5,
    },
  });
  return roost;
}

/** Who the emulator says is logged in on a phone. */
export async function phoneUser(roost: RunningRoost, deviceName: string): Promise<string | null> {
  const state = (await (await fetch(`${roost.emulator!.url}/__sim/state`)).json()) as {
    devices: { name: string; currentUser: string | null }[];
  };
  return state.devices.find((d) => d.name === deviceName)?.currentUser ?? null;
}

/** Polls the emulator until the phone shows `user` (null: nobody), failing after `ms`. */
export async function waitForPhone(
  roost: RunningRoost,
  deviceName: string,
  user: string | null,
  ms = 10_000,
): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await phoneUser(roost, deviceName)) === user) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${deviceName} did not show ${user ?? 'nobody'} within ${ms} ms (now: ${await phoneUser(roost, deviceName)})`,
  );
}
