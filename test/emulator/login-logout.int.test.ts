import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALICE_APP, failure, Harness, loginXml, logoutXml, SUCCESS, T0 } from './emulator-harness.js';

const D1 = 'SEP001122334455';
const D2 = 'SEP001122334466';
const D3 = 'SEP001122334477';
const DISABLED = 'SEP0011223344AA';

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());
beforeEach(() => h.reset());

/** Sends a message that must fail with `code` and leave every device exactly as it was. */
async function expectRefusedUnchanged(xml: string, code: number): Promise<void> {
  const before = await h.devicesSnapshot();
  expect(await h.code(xml)).toBe(code);
  expect(await h.devicesSnapshot()).toEqual(before);
}

describe('SPEC 3 authentication', () => {
  it('blank appID or certificate is code 2', async () => {
    await expectRefusedUnchanged(loginXml(D1, 'bob', { app: { appID: '', password: 'x' } }), 2);
    await expectRefusedUnchanged(loginXml(D1, 'bob', { app: { appID: 'emapi', password: '' } }), 2);
  });

  it('unknown appID or wrong password is code 3 with the documented text', async () => {
    const body = await h.send(loginXml(D1, 'bob', { app: { appID: 'nobody', password: 'x' } }));
    expect(body).toBe(failure(3, "Could not authenticate 'nobody'"));
    await expectRefusedUnchanged(loginXml(D1, 'bob', { app: { appID: 'emapi', password: 'wrong' } }), 3);
  });

  it('an account that must change its password is code 27', async () => {
    const fixture = (await import('./emulator-harness.js')).fixtureS();
    fixture.appUsers.push({
      appID: 'stale',
      password: 'stale-pass',
      proxyRights: true,
      mustChangePassword: true,
    });
    await h.reset({ fixture });
    await expectRefusedUnchanged(
      loginXml(D1, 'bob', { app: { appID: 'stale', password: 'stale-pass' } }),
      27,
    );
  });

  it('an end user without proxy rights may log himself in and out, but nobody else (10)', async () => {
    await expectRefusedUnchanged(loginXml(D1, 'bob', { app: ALICE_APP }), 10);
    expect(await h.code(loginXml(D1, 'alice', { app: ALICE_APP }))).toBe('success');
    expect(await h.code(loginXml(D2, 'bob'))).toBe('success');
    await expectRefusedUnchanged(logoutXml(D2, ALICE_APP), 10);
    expect(await h.code(logoutXml(D1, ALICE_APP))).toBe('success');
  });
});

describe('SPEC 5.1 login', () => {
  it('answers the success reply exactly and records the login', async () => {
    const body = await h.send(loginXml(D1, 'carol', { minutes: 60 }));
    expect(body).toBe(SUCCESS);
    expect(await h.device(D1)).toEqual({
      name: D1,
      emEnabled: true,
      currentUser: 'carol',
      currentProfile: 'UDP_carol_8865',
      loginAt: T0,
      autoLogoutAt: '2025-01-06T09:00:00.000Z',
      lastUser: null,
    });
  });

  it('matches device and user names case-insensitively', async () => {
    expect(await h.code(loginXml('sep001122334455', 'BOB'))).toBe('success');
    expect((await h.device(D1)).currentUser).toBe('bob');
  });

  it('unknown device is 11, EM-disabled device is 22, unknown user is 23', async () => {
    await expectRefusedUnchanged(loginXml('SEPFFFFFFFFFFFF', 'bob'), 11);
    await expectRefusedUnchanged(loginXml(DISABLED, 'bob'), 22);
    await expectRefusedUnchanged(loginXml(D1, 'zed'), 23);
  });

  it('a named profile must exist (12); a user without profiles is 12', async () => {
    await expectRefusedUnchanged(loginXml(D1, 'bob', { profile: 'UDP_nope' }), 12);
    await expectRefusedUnchanged(loginXml(D1, 'dave'), 12);
  });

  it('uses the named profile, or the default one when omitted', async () => {
    expect(await h.code(loginXml(D1, 'carol', { profile: 'UDP_carol_7841' }))).toBe('success');
    expect((await h.device(D1)).currentProfile).toBe('UDP_carol_7841');
    expect(await h.code(loginXml(D2, 'bob'))).toBe('success');
    expect((await h.device(D2)).currentProfile).toBe('UDP_bob');
  });

  it('requireAssociatedProfile decides whether another user’s profile is accepted (12)', async () => {
    expect(await h.code(loginXml(D1, 'bob', { profile: 'UDP_alice' }))).toBe('success');
    await h.reset();
    await h.params({ requireAssociatedProfile: true });
    await expectRefusedUnchanged(loginXml(D1, 'bob', { profile: 'UDP_alice' }), 12);
  });

  it('an occupied device is 18, also for the same user (SPEC 7.1, 7.3)', async () => {
    expect(await h.code(loginXml(D1, 'bob'))).toBe('success');
    await expectRefusedUnchanged(loginXml(D1, 'carol'), 18);
    await expectRefusedUnchanged(loginXml(D1, 'bob'), 18);
  });

  it('checks in canonical order: proxy rights before device, device before user', async () => {
    expect(await h.code(loginXml('SEPFFFFFFFFFFFF', 'bob', { app: ALICE_APP }))).toBe(10);
    expect(await h.code(loginXml('SEPFFFFFFFFFFFF', 'zed'))).toBe(11);
    expect(await h.code(loginXml(DISABLED, 'zed'))).toBe(22);
    expect(await h.code(loginXml(D1, 'zed', { profile: 'UDP_nope' }))).toBe(23);
  });
});

describe('SPEC 5.2 logout', () => {
  it('answers success, clears the login and records the last user', async () => {
    await h.send(loginXml(D1, 'bob', { minutes: 30 }));
    expect(await h.send(logoutXml(D1))).toBe(SUCCESS);
    expect(await h.device(D1)).toMatchObject({
      currentUser: null,
      currentProfile: null,
      loginAt: null,
      autoLogoutAt: null,
      lastUser: 'bob',
    });
  });

  it('unknown device is 11, EM-disabled device is 5, free device is 19', async () => {
    await expectRefusedUnchanged(logoutXml('SEPFFFFFFFFFFFF'), 11);
    await expectRefusedUnchanged(logoutXml(DISABLED), 5);
    await expectRefusedUnchanged(logoutXml(D3), 19);
  });
});

describe('SPEC 7.2 Multiple Login Behavior', () => {
  it('NotAllowed (default) refuses a second device with 25', async () => {
    expect(await h.code(loginXml(D1, 'bob'))).toBe('success');
    await expectRefusedUnchanged(loginXml(D2, 'bob'), 25);
  });

  it('Allowed lets the user hold several devices', async () => {
    await h.params({ multipleLoginBehavior: 'Allowed' });
    expect(await h.code(loginXml(D1, 'bob'))).toBe('success');
    expect(await h.code(loginXml(D2, 'bob'))).toBe('success');
    const devices = (await h.state()).devices.filter((d) => d.currentUser === 'bob').map((d) => d.name);
    expect(devices).toEqual([D1, D2]);
  });

  it('AutoLogout logs the user out elsewhere first (modern only) and disarms that timer', async () => {
    await h.reset({ profile: 'modern' });
    await h.params({ multipleLoginBehavior: 'AutoLogout' });
    expect(await h.code(loginXml(D1, 'bob', { minutes: 10 }))).toBe('success');
    expect(await h.code(loginXml(D2, 'bob', { minutes: 60 }))).toBe('success');
    expect(await h.device(D1)).toMatchObject({ currentUser: null, lastUser: 'bob', autoLogoutAt: null });
    expect(await h.device(D2)).toMatchObject({ currentUser: 'bob' });
  });

  it('AutoLogout is refused as a knob value in profile 4.1', async () => {
    const { status } = await h.control('PUT', '/params', { multipleLoginBehavior: 'AutoLogout' });
    expect(status).toBe(400);
    expect((await h.state()).params.multipleLoginBehavior).toBe('NotAllowed');
  });
});
