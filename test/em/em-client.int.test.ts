/**
 * The EM client against the EM emulator over real HTTP (port 0, manual clock), covering every
 * outcome the scheduler relies on, and against tiny misbehaving servers for transport failures.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmClient, type EmClient, type EmClientOptions } from '../../src/em/index.js';
import {
  bigFixture,
  deviceName,
  fixtureS,
  startSim,
  startStub,
  userName,
  type Sim,
  type StubServer,
} from './emulator-harness.js';

const DEV1 = 'SEP001122334455';
const DEV2 = 'SEP001122334466';
const DEV3 = 'SEP001122334477';
const DEV_DISABLED = 'SEP0011223344AA';
const NO_LATENCY = { latencyMs: { login: 0, logout: 0, query: 0 } };

/** Wraps fetch to measure how many login/logout requests are on the wire at once. */
function budgetMeter(): { fetch: typeof fetch; peak: () => number } {
  let current = 0;
  let peak = 0;
  const metered = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const xml = new URLSearchParams(String(init?.body ?? '')).get('xml') ?? '';
    const counted = xml.startsWith('<request>');
    if (counted) peak = Math.max(peak, ++current);
    try {
      const res = await fetch(input, init);
      // The server's work is done once the body is in; count until then.
      const body = await res.text();
      return new Response(body, { status: res.status, headers: res.headers });
    } finally {
      if (counted) current--;
    }
  };
  return { fetch: metered as typeof fetch, peak: () => peak };
}

function makeClient(url: string, extra: Partial<EmClientOptions> = {}): EmClient {
  return createEmClient({
    baseUrl: url,
    appUser: 'emapi',
    appPassword: 'emapi-pass',
    sleep: async () => undefined,
    timeoutMs: 5000,
    ...extra,
  });
}

describe('EM client against the emulator, profile 4.1', () => {
  let sim: Sim;
  let em: EmClient;

  beforeAll(async () => {
    sim = await startSim('4.1');
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await sim.reset({ profile: '4.1', fixture: fixtureS(), now: '2025-03-03T08:00:00Z' });
    await sim.params(NO_LATENCY);
    em = makeClient(sim.url);
  });

  it('logs in, reports the user, logs out', async () => {
    expect(await em.login(DEV1, 'carol', { minutes: 60 })).toEqual({ ok: true, value: undefined });
    expect(await sim.device(DEV1)).toMatchObject({ currentUser: 'carol', currentProfile: 'UDP_carol_8865' });
    expect(await em.deviceUserQuery([DEV1, DEV2, 'SEPFFFFFFFFFFFF'])).toEqual({
      ok: true,
      value: [
        { deviceName: DEV1, state: 'loggedIn', userId: 'carol' },
        { deviceName: DEV2, state: 'free' },
        { deviceName: 'SEPFFFFFFFFFFFF', state: 'doesNotExist' },
      ],
    });
    expect(await em.userDevicesQuery(['carol', 'bob', 'ghost'])).toEqual({
      ok: true,
      value: [
        { userId: 'carol', state: 'loggedIn', deviceNames: [DEV1] },
        { userId: 'bob', state: 'none', deviceNames: [] },
        { userId: 'ghost', state: 'doesNotExist', deviceNames: [] },
      ],
    });
    expect(await em.logout(DEV1)).toEqual({ ok: true, value: undefined });
    expect(await sim.device(DEV1)).toMatchObject({ currentUser: null });
  });

  it('logs in with a named profile and indefinitely', async () => {
    expect(await em.login(DEV2, 'carol', { profile: 'UDP_carol_7841', indefinite: true })).toMatchObject({
      ok: true,
    });
    expect(await sim.device(DEV2)).toMatchObject({ currentProfile: 'UDP_carol_7841', autoLogoutAt: null });
  });

  it('arms the automatic logout for a timed login (SPEC 6.3)', async () => {
    await em.login(DEV1, 'bob', { minutes: 60 });
    expect(await sim.device(DEV1)).toMatchObject({ autoLogoutAt: '2025-03-03T09:00:00.000Z' });
    await sim.clock({ advanceSeconds: 61 * 60 });
    expect(await em.deviceUserQuery([DEV1])).toMatchObject({ ok: true, value: [{ state: 'free' }] });
    // The reservation end then finds the device free: 19, a conflict to resolve with a query.
    expect(await em.logout(DEV1)).toMatchObject({ ok: false, kind: 'em', code: 19, retry: 'conflict' });
  });

  it('18: device occupied, also by the same user', async () => {
    await em.login(DEV1, 'bob', { minutes: 30 });
    for (const user of ['alice', 'bob']) {
      expect(await em.login(DEV1, user, { minutes: 30 })).toMatchObject({
        ok: false,
        kind: 'em',
        code: 18,
        meaning: 'Another user logged in',
        retry: 'conflict',
      });
    }
    expect(await sim.device(DEV1)).toMatchObject({ currentUser: 'bob' });
  });

  it('19: logout of a free device', async () => {
    expect(await em.logout(DEV2)).toMatchObject({ ok: false, kind: 'em', code: 19, retry: 'conflict' });
  });

  it('25: user already logged in elsewhere', async () => {
    await em.login(DEV1, 'bob', { minutes: 30 });
    expect(await em.login(DEV2, 'bob', { minutes: 30 })).toMatchObject({
      kind: 'em',
      code: 25,
      retry: 'conflict',
    });
    expect(await sim.device(DEV2)).toMatchObject({ currentUser: null });
  });

  it('11, 12, 22, 23: permanent refusals', async () => {
    expect(await em.login('SEPFFFFFFFFFFFF', 'bob', { minutes: 5 })).toMatchObject({
      code: 11,
      retry: 'permanent',
    });
    expect(await em.logout('SEPFFFFFFFFFFFF')).toMatchObject({ code: 11, retry: 'permanent' });
    expect(await em.login(DEV1, 'carol', { profile: 'UDP_nope', minutes: 5 })).toMatchObject({
      code: 12,
      retry: 'permanent',
    });
    expect(await em.login(DEV1, 'dave', { minutes: 5 })).toMatchObject({ code: 12, retry: 'permanent' });
    expect(await em.login(DEV_DISABLED, 'bob', { minutes: 5 })).toMatchObject({
      code: 22,
      retry: 'permanent',
    });
    expect(await em.login(DEV1, 'ghost', { minutes: 5 })).toMatchObject({
      code: 23,
      meaning: 'User does not exist',
      retry: 'permanent',
    });
    expect((await sim.state()).devices.every((d) => d.currentUser === null)).toBe(true);
  });

  it('3 and 10: bad credentials and missing proxy rights', async () => {
    const wrong = makeClient(sim.url, { appPassword: 'nope' });
    expect(await wrong.login(DEV1, 'bob', { minutes: 5 })).toMatchObject({ code: 3, retry: 'permanent' });
    // 4.1 queries fail in the code-less errorMessage form (SPEC 4.4): reported as code 0.
    expect(await wrong.deviceUserQuery([DEV1])).toMatchObject({ ok: false, kind: 'em', code: 0 });
    const alice = makeClient(sim.url, { appUser: 'alice', appPassword: 'alice-pass' });
    expect(await alice.login(DEV1, 'bob', { minutes: 5 })).toMatchObject({ code: 10, retry: 'permanent' });
    expect(await alice.login(DEV1, 'alice', { minutes: 5 })).toMatchObject({ ok: true });
  });

  it('6 (injected): transient, and nothing changes', async () => {
    await sim.fault({ code: 6, op: 'login', count: 1 });
    expect(await em.login(DEV1, 'bob', { minutes: 5 })).toMatchObject({
      ok: false,
      kind: 'em',
      code: 6,
      meaning: 'Database Error',
      retry: 'transient',
    });
    expect(await sim.device(DEV1)).toMatchObject({ currentUser: null });
    expect(await em.login(DEV1, 'bob', { minutes: 5 })).toMatchObject({ ok: true });
  });

  it('logoutAll and deviceProfileQuery are unavailable on 4.1 without a call', async () => {
    const before = em.stats().calls;
    expect(await em.logoutAll()).toMatchObject({ ok: false, kind: 'em', code: -1, retry: 'permanent' });
    expect(await em.deviceProfileQuery(['carol'])).toMatchObject({ ok: false, kind: 'em', code: -1 });
    expect(em.stats().calls).toBe(before);
  });

  it.each([`o'brien&co`, 'em@example.com'])('round-trips the user ID %s', async (userId) => {
    expect(await em.login(DEV3, userId, { minutes: 15 })).toMatchObject({ ok: true });
    expect(await sim.device(DEV3)).toMatchObject({ currentUser: userId });
    expect(await em.deviceUserQuery([DEV3])).toEqual({
      ok: true,
      value: [{ deviceName: DEV3, state: 'loggedIn', userId }],
    });
    expect(await em.userDevicesQuery([userId])).toEqual({
      ok: true,
      value: [{ userId, state: 'loggedIn', deviceNames: [DEV3] }],
    });
    expect(await em.logout(DEV3)).toMatchObject({ ok: true });
  });

  it('serializes a logout queued behind a login on the same device', async () => {
    await sim.params({ latencyMs: { login: 150, logout: 0, query: 0 } });
    const login = em.login(DEV1, 'bob', { minutes: 30 });
    const logout = em.logout(DEV1);
    // Without per-device ordering the logout would overtake the slow login and get 19.
    expect(await logout).toEqual({ ok: true, value: undefined });
    expect(await login).toEqual({ ok: true, value: undefined });
    const ops = (await sim.log())
      .filter((e) => e.operation === 'login' || e.operation === 'logout')
      .map((e) => `${e.operation}:${e.outcome}`);
    expect(ops).toEqual(['login:success', 'logout:success']);
    expect(await sim.device(DEV1)).toMatchObject({ currentUser: null, lastUser: 'bob' });
  });

  it('times out when the node is slower than timeoutMs, without retrying the login', async () => {
    await sim.params({ latencyMs: { login: 400, logout: 0, query: 0 } });
    const impatient = makeClient(sim.url, { timeoutMs: 50 });
    expect(await impatient.login(DEV1, 'bob', { minutes: 30 })).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'timeout after 50 ms',
    });
    expect(impatient.stats()).toMatchObject({ inFlight: 0, calls: 1 });
    // The node may still commit it (SPEC 1.3): only a query tells, which is why it is not retried.
    await expect.poll(async () => (await sim.device(DEV1))?.currentUser, { timeout: 3000 }).toBe('bob');
  });
});

describe('EM client against the emulator, profile modern', () => {
  let sim: Sim;
  let em: EmClient;

  beforeAll(async () => {
    sim = await startSim('modern');
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await sim.reset({ profile: 'modern', fixture: fixtureS(), now: '2025-03-03T08:00:00Z' });
    await sim.params(NO_LATENCY);
    em = makeClient(sim.url, { apiProfile: 'modern' });
  });

  it.each([`o'brien&co`, 'em@example.com'])(
    'round-trips the percent-encoded user ID %s with last-login slots',
    async (userId) => {
      expect(await em.login(DEV3, userId, { minutes: 15 })).toMatchObject({ ok: true });
      expect(await em.deviceUserQuery([DEV3])).toEqual({
        ok: true,
        value: [{ deviceName: DEV3, state: 'loggedIn', userId }],
      });
      expect(await em.userDevicesQuery([userId])).toMatchObject({
        ok: true,
        value: [{ userId, deviceNames: [DEV3] }],
      });
      await em.logout(DEV3);
      await em.login(DEV3, 'bob', { minutes: 15 });
      expect(await em.deviceUserQuery([DEV3])).toEqual({
        ok: true,
        value: [{ deviceName: DEV3, state: 'loggedIn', userId: 'bob', lastUserId: userId }],
      });
    },
  );

  it('reads deviceProfileQuery (shape A)', async () => {
    expect(await em.deviceProfileQuery(['carol', 'dave', 'ghost', 'em@example.com'])).toEqual({
      ok: true,
      value: [
        {
          userId: 'carol',
          state: 'ok',
          profiles: [
            { name: 'UDP_carol_8865', isDefault: true },
            { name: 'UDP_carol_7841', isDefault: false },
          ],
        },
        { userId: 'dave', state: 'none', profiles: [] },
        { userId: 'ghost', state: 'doesNotExist', profiles: [] },
        { userId: 'em@example.com', state: 'ok', profiles: [{ name: 'UDP_em', isDefault: true }] },
      ],
    });
  });

  it('logoutAll frees every device', async () => {
    await em.login(DEV1, 'bob', { minutes: 30 });
    await em.login(DEV2, 'carol', { indefinite: true });
    expect(await em.logoutAll()).toEqual({ ok: true, value: undefined });
    // SPEC 5.3: the logouts complete progressively after the reply, paced on the node's clock.
    await sim.clock({ advanceSeconds: 60 });
    expect(await em.deviceUserQuery([DEV1, DEV2])).toEqual({
      ok: true,
      value: [
        { deviceName: DEV1, state: 'free', lastUserId: 'bob' },
        { deviceName: DEV2, state: 'free', lastUserId: 'carol' },
      ],
    });
  });

  it('reads the coded query-failure form', async () => {
    const wrong = makeClient(sim.url, { apiProfile: 'modern', appPassword: 'nope' });
    expect(await wrong.userDevicesQuery(['bob'])).toMatchObject({ ok: false, kind: 'em', code: 3 });
  });

  it('12 when the named profile is not associated with the user', async () => {
    expect(await em.login(DEV1, 'bob', { profile: 'UDP_alice', minutes: 5 })).toMatchObject({ code: 12 });
  });
});

describe('EM client under load against the emulator', () => {
  let sim: Sim;

  beforeAll(async () => {
    sim = await startSim('modern');
  });
  afterAll(async () => {
    await sim.close();
  });

  it('26: slows down, retries, and never reports Busy as a failed login', async () => {
    const count = 24;
    await sim.reset({ profile: 'modern', fixture: bigFixture(count, count), now: '2025-03-03T08:00:00Z' });
    // The node has room for 2 while the client believes the default (5, budget 4).
    await sim.params({ maxConcurrentRequests: 2, latencyMs: { login: 40, logout: 40, query: 0 } });
    const meter = budgetMeter();
    const em = makeClient(sim.url, { apiProfile: 'modern', fetch: meter.fetch });
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, i) => em.login(deviceName(i), userName(i), { minutes: 60 })),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const { counters, devices } = await sim.state();
    expect(counters.requestsThrottled).toBeGreaterThan(0);
    expect(em.stats().busyResponses).toBe(counters.requestsThrottled);
    expect(meter.peak()).toBeLessThanOrEqual(4);
    expect(em.stats().inFlight).toBe(0);
    for (let i = 0; i < count; i++) {
      expect(devices.find((d) => d.name === deviceName(i))?.currentUser).toBe(userName(i));
    }
  });

  it('keeps an explicit budget even when the node has room', async () => {
    await sim.reset({ profile: 'modern', fixture: bigFixture(12, 12), now: '2025-03-03T08:00:00Z' });
    await sim.params({ maxConcurrentRequests: 10, latencyMs: { login: 30, logout: 30, query: 0 } });
    const meter = budgetMeter();
    const em = makeClient(sim.url, { apiProfile: 'modern', fetch: meter.fetch, concurrency: 2 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => em.login(deviceName(i), userName(i), { minutes: 60 })),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(meter.peak()).toBeLessThanOrEqual(2);
    expect(em.stats().busyResponses).toBe(0);
  });

  it('batches deviceUserQuery beyond 100 devices and keeps the order', async () => {
    await sim.reset({ profile: 'modern', fixture: bigFixture(230, 3), now: '2025-03-03T08:00:00Z' });
    await sim.params(NO_LATENCY);
    const em = makeClient(sim.url, { apiProfile: 'modern' });
    await em.login(deviceName(150), userName(1), { minutes: 60 });
    const names = [...Array.from({ length: 230 }, (_, i) => deviceName(i)), 'SEPFFFFFFFFFFFF'];
    const outcome = await em.deviceUserQuery(names);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value.map((d) => d.deviceName)).toEqual(names);
    expect(outcome.value[150]).toEqual({
      deviceName: deviceName(150),
      state: 'loggedIn',
      userId: userName(1),
    });
    expect(outcome.value.at(-1)?.state).toBe('doesNotExist');
    expect(outcome.value.filter((d) => d.state === 'free')).toHaveLength(229);
    const queries = (await sim.log()).filter((e) => e.operation === 'deviceUserQuery');
    expect(queries).toHaveLength(3);
  });
});

describe('EM client against misbehaving servers (transport failures)', () => {
  const stubs: StubServer[] = [];
  afterAll(async () => {
    await Promise.all(stubs.map((s) => s.close()));
  });

  async function stub(status: number, body: string, contentType = 'text/html'): Promise<string> {
    const server = await startStub((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(status, { 'content-type': contentType }).end(body));
    });
    stubs.push(server);
    return server.url;
  }

  it('times out against a server that never answers', async () => {
    const server = await startStub((req) => req.resume());
    stubs.push(server);
    const em = makeClient(server.url, { timeoutMs: 100 });
    expect(await em.logout(DEV1)).toEqual({ ok: false, kind: 'transport', reason: 'timeout after 100 ms' });
    expect(await em.deviceUserQuery([DEV1])).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'timeout after 100 ms',
    });
    expect(em.stats().inFlight).toBe(0);
  });

  it('reports a refused connection', async () => {
    const server = await startStub(() => undefined);
    const url = server.url;
    await server.close();
    const outcome = await makeClient(url).login(DEV1, 'bob', { minutes: 5 });
    expect(outcome).toMatchObject({ ok: false, kind: 'transport' });
    expect(outcome.ok === false && outcome.kind === 'transport' && outcome.reason).toMatch(/ECONNREFUSED/);
  });

  it.each([
    ['non-200', 503, '<html><body>Service Unavailable</body></html>', /HTTP 503/],
    ['404 with an EM-looking body', 404, '<response><success/></response>', /HTTP 404/],
    ['HTML with 200', 200, '<!DOCTYPE html><html><body><p>Tomcat</body></html>', /unexpected reply/],
    ['junk', 200, '\u0000\u0001 not xml at all', /unexpected reply/],
    ['empty body', 200, '', /unexpected reply/],
    [
      'entity bomb',
      200,
      '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><response><failure><error code="18">&c;</error></failure></response>',
      /unexpected reply/,
    ],
    [
      'external entity',
      200,
      '<!DOCTYPE response SYSTEM "x.dtd"><response><failure><error code="18">&xxe;</error></failure></response>',
      /unexpected reply/,
    ],
    ['wrong root', 200, '<result><success/></result>', /unexpected reply/],
  ])('treats %s as a transport failure', async (_name, status, body, reason) => {
    const em = makeClient(await stub(status, body));
    const login = await em.login(DEV1, 'bob', { minutes: 5 });
    expect(login).toMatchObject({ ok: false, kind: 'transport' });
    expect(login.ok === false && login.kind === 'transport' && login.reason).toMatch(reason);
    expect(await em.deviceUserQuery([DEV1])).toMatchObject({ ok: false, kind: 'transport' });
  });
});
