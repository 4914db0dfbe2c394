import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixtureS, Harness, loginXml, T0 } from './emulator-harness.js';

const D1 = 'SEP001122334455';

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe('CONTROL.md control plane', () => {
  it('GET /__sim/state reports now, profile, params, counters and devices', async () => {
    const state = await h.state();
    expect(state.now).toBe(T0);
    expect(state.profile).toBe('4.1');
    expect(state.params).toMatchObject({ maxConcurrentRequests: 3, multipleLoginBehavior: 'NotAllowed' });
    expect(state.counters).toEqual({
      requestsInProgress: 0,
      requestsThrottled: 0,
      requestsHandled: 0,
      autoLogouts: 0,
    });
    expect(state.devices.map((d) => d.name)).toEqual([
      'SEP001122334455',
      'SEP001122334466',
      'SEP001122334477',
      'SEP0011223344AA',
    ]);
  });

  it('profile defaults follow SPEC 13', async () => {
    await h.reset({ profile: 'modern' });
    expect((await h.state()).params).toMatchObject({
      maxConcurrentRequests: 5,
      requireAssociatedProfile: true,
      encodeUserIdInResponses: true,
      acceptRequestOnlyChildren: true,
      deviceEntryForm: 'lastLogin',
      queryFailureForm: 'errorCode',
    });
  });

  it('reset loads an inline fixture, clears logins and counters and sets the clock', async () => {
    await h.send(loginXml(D1, 'bob'));
    const fixture = fixtureS();
    fixture.devices = [{ name: 'CSFbob', emEnabled: true }];
    await h.reset({ fixture, now: '2030-01-01T00:00:00Z' });
    const state = await h.state();
    expect(state.now).toBe('2030-01-01T00:00:00.000Z');
    expect(state.devices).toEqual([
      {
        name: 'CSFbob',
        emEnabled: true,
        currentUser: null,
        currentProfile: null,
        loginAt: null,
        autoLogoutAt: null,
        lastUser: null,
      },
    ]);
    expect(state.counters.requestsHandled).toBe(0);
    const bad = await h.control('POST', '/reset', { fixture: { appUsers: 'x' } });
    expect(bad.status).toBe(400);
  });

  it('PUT /__sim/params changes knobs and answers 400 for an unknown knob or bad value', async () => {
    await h.params({ maxConcurrentRequests: 7, latencyMs: { query: 5 } });
    const params = (await h.state()).params;
    expect(params.maxConcurrentRequests).toBe(7);
    expect(params.latencyMs).toEqual({ login: 0, logout: 0, query: 5 });
    for (const patch of [
      { colour: 'red' },
      { maxConcurrentRequests: 101 },
      { latencyMs: { think: 1 } },
      { validateIp: 'yes' },
    ]) {
      expect((await h.control('PUT', '/params', patch)).status).toBe(400);
    }
    expect((await h.state()).params.maxConcurrentRequests).toBe(7);
  });

  it('POST /__sim/clock advances or sets the clock', async () => {
    expect(await h.advance(90)).toEqual({ now: '2025-01-06T08:01:30.000Z', logouts: [] });
    const set = await h.control('POST', '/clock', { set: '2025-02-01T00:00:00Z' });
    expect(set.json).toEqual({ now: '2025-02-01T00:00:00.000Z', logouts: [] });
    expect((await h.control('POST', '/clock', { set: 'tomorrow' })).status).toBe(400);
  });

  it('PUT /__sim/devices/:name changes the EM flag; unknown devices are 404', async () => {
    const { status, json } = await h.control('PUT', '/devices/sep001122334455', { emEnabled: false });
    expect(status).toBe(200);
    expect(json).toMatchObject({ name: D1, emEnabled: false });
    expect(await h.code(loginXml(D1, 'bob'))).toBe(22);
    expect((await h.control('PUT', '/devices/NOPE', { emEnabled: true })).status).toBe(404);
  });

  it('the control plane does not answer EM messages', async () => {
    const response = await fetch(`${h.url}/__sim/state`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `xml=${encodeURIComponent(loginXml(D1, 'bob'))}`,
    });
    expect(response.status).toBe(404);
  });
});
