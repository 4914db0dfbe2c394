import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { fixtureS, Harness, loginXml, logoutXml, T0 } from './emulator-harness.js';

const D1 = 'SEP001122334455';
const D2 = 'SEP001122334466';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe('SPEC 6.3 automatic logout', () => {
  it('fires at exactly the duration, not a second early, and records the last user', async () => {
    expect(await h.code(loginXml(D1, 'bob', { minutes: 60 }))).toBe('success');
    await h.advance(3599);
    expect((await h.device(D1)).currentUser).toBe('bob');
    const moved = (await h.advance(1)) as { logouts: { deviceName: string; userID: string }[] };
    expect(moved.logouts).toEqual([{ deviceName: D1, userID: 'bob', reason: 'expiry', dueAt: at(60) }]);
    expect(await h.device(D1)).toMatchObject({ currentUser: null, lastUser: 'bob', autoLogoutAt: null });
    expect((await h.state()).counters.autoLogouts).toBe(1);
  });

  it('carries out every due logout in due order when the clock jumps', async () => {
    await h.send(loginXml(D2, 'carol', { minutes: 20 }));
    await h.send(loginXml(D1, 'bob', { minutes: 10 }));
    const moved = (await h.advance(3 * 3600)) as { logouts: { deviceName: string }[] };
    expect(moved.logouts.map((l) => l.deviceName)).toEqual([D1, D2]);
  });

  it('a logout disarms the timer so a later login is not cut short', async () => {
    await h.send(loginXml(D1, 'bob', { minutes: 10 }));
    await h.advance(5 * 60);
    expect(await h.code(logoutXml(D1))).toBe('success');
    expect(await h.code(loginXml(D1, 'carol', { minutes: 60 }))).toBe('success');
    await h.advance(10 * 60);
    expect((await h.device(D1)).currentUser).toBe('carol');
    await h.advance(50 * 60 - 1);
    expect((await h.device(D1)).currentUser).toBe('carol');
    await h.advance(1);
    expect(await h.device(D1)).toMatchObject({ currentUser: null, lastUser: 'carol' });
  });

  it('indefinite, absent and <time>0</time> logins never expire without enforcement', async () => {
    await h.params({ multipleLoginBehavior: 'Allowed' });
    await h.send(loginXml(D1, 'bob', { indefinite: true }));
    await h.send(loginXml(D2, 'bob'));
    await h.send(loginXml('SEP001122334477', 'bob', { minutes: 0 }));
    await h.advance(30 * 24 * 3600);
    const devices = (await h.state()).devices.filter((d) => d.currentUser === 'bob');
    expect(devices.map((d) => d.autoLogoutAt)).toEqual([null, null, null]);
  });

  it('schedulerTickSec fires within one tick after the due time, never before', async () => {
    await h.params({ schedulerTickSec: 60 });
    await h.control('POST', '/clock', { set: '2025-01-06T08:00:30.000Z' });
    await h.send(loginXml(D1, 'bob', { minutes: 1 }));
    await h.advance(60);
    expect((await h.device(D1)).currentUser).toBe('bob');
    await h.advance(29);
    expect((await h.device(D1)).currentUser).toBe('bob');
    await h.advance(1);
    expect((await h.device(D1)).currentUser).toBeNull();
  });
});

describe('SPEC 6.2 effective duration', () => {
  const cases: {
    name: string;
    params: Record<string, unknown>;
    login: { minutes?: number; indefinite?: boolean };
    autoLogoutAt: string | null;
  }[] = [
    { name: 'no enforcement, 60 min', params: {}, login: { minutes: 60 }, autoLogoutAt: at(60) },
    {
      name: 'enforced, absent → max',
      params: { enforceMaxLoginTime: true },
      login: {},
      autoLogoutAt: at(480),
    },
    {
      name: 'enforced, time 0 → max',
      params: { enforceMaxLoginTime: true },
      login: { minutes: 0 },
      autoLogoutAt: at(480),
    },
    {
      name: 'enforced, indefinite → max',
      params: { enforceMaxLoginTime: true },
      login: { indefinite: true },
      autoLogoutAt: at(480),
    },
    {
      name: 'enforced, indefinite with indefiniteOverridesMax → none',
      params: { enforceMaxLoginTime: true, indefiniteOverridesMax: true },
      login: { indefinite: true },
      autoLogoutAt: null,
    },
    {
      name: 'enforced, shorter request kept',
      params: { enforceMaxLoginTime: true, maxLoginTimeMinutes: 120 },
      login: { minutes: 30 },
      autoLogoutAt: at(30),
    },
    {
      name: 'enforced, longer request capped',
      params: { enforceMaxLoginTime: true, maxLoginTimeMinutes: 120 },
      login: { minutes: 600 },
      autoLogoutAt: at(120),
    },
    {
      name: 'enforced, longer request kept without capRequestedByMax',
      params: { enforceMaxLoginTime: true, maxLoginTimeMinutes: 120, capRequestedByMax: false },
      login: { minutes: 600 },
      autoLogoutAt: at(600),
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await h.params(c.params);
      expect(await h.code(loginXml(D1, 'bob', c.login))).toBe('success');
      expect((await h.device(D1)).autoLogoutAt).toBe(c.autoLogoutAt);
    });
  }
});

describe('SPEC 6.3 item 5 durability', () => {
  it('the state file survives a restart and overdue logouts fire on start', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'em-state-')), 'state.json');
    const first = await Harness.start('4.1', { stateFile });
    await first.params({ multipleLoginBehavior: 'Allowed' });
    expect(await first.code(loginXml(D1, 'bob', { minutes: 60 }))).toBe('success');
    expect(await first.code(loginXml(D2, 'carol', { minutes: 180 }))).toBe('success');
    await first.control('PUT', `/devices/SEP001122334477`, { emEnabled: false });
    await first.close();
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).version).toBe(1);

    const second = await startEmulator({
      port: 0,
      clock: 'manual',
      startAt: at(120),
      fixture: fixtureS(),
      stateFile,
    });
    try {
      const state = (await (await fetch(`${second.url}/__sim/state`)).json()) as Awaited<
        ReturnType<Harness['state']>
      >;
      const byName = Object.fromEntries(state.devices.map((d) => [d.name, d]));
      expect(byName[D1]).toMatchObject({ currentUser: null, lastUser: 'bob', autoLogoutAt: null });
      expect(byName[D2]).toMatchObject({ currentUser: 'carol', loginAt: T0, autoLogoutAt: at(180) });
      expect(byName.SEP001122334477?.emEnabled).toBe(false);
      expect(state.counters.autoLogouts).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('system clock', () => {
  it('moves on its own: a login whose due time passes in real time is logged out', async () => {
    const sys = await Harness.start('4.1', { clock: 'system', startAt: undefined });
    try {
      await sys.send(loginXml(D1, 'bob', { minutes: 1 }));
      // Jump to 50 ms before the due time; real time does the rest.
      await sys.advance(59.95);
      const loggedOut = await new Promise<boolean>((resolve) => {
        const deadline = setTimeout(() => resolve(false), 5000);
        const poll = async (): Promise<void> => {
          if ((await sys.device(D1)).currentUser === null) {
            clearTimeout(deadline);
            resolve(true);
          } else setTimeout(() => void poll(), 20);
        };
        void poll();
      });
      expect(loggedOut).toBe(true);
      expect((await sys.device(D1)).lastUser).toBe('bob');
    } finally {
      await sys.close();
    }
  });
});
