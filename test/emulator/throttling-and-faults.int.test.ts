import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  deviceUserQueryXml,
  failure,
  Harness,
  loginXml,
  logoutXml,
  T0,
  userQueryXml,
} from './emulator-harness.js';
import type { RequestLogEntry } from '../../src/emulator/index.js';

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

/** Resolves once the emulator reports `n` login/logout operations in flight. */
async function inFlight(n: number): Promise<void> {
  for (;;) {
    if ((await h.state()).counters.requestsInProgress === n) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SPEC 10 Maximum Concurrent Requests', () => {
  it('N concurrent logins succeed; the N+1th gets 26 at once and changes nothing; queries are exempt', async () => {
    await h.params({ latencyMs: { login: 200, logout: 0, query: 0 } });
    const running = [
      h.code(loginXml(D1, 'bob')),
      h.code(loginXml(D2, 'carol')),
      h.code(loginXml(D3, 'alice')),
    ];
    await inFlight(3);
    // Would be 22 if processed: 26 proves it was refused before any operation check.
    expect(await h.code(loginXml(DISABLED, 'em@example.com'))).toBe(26);
    expect(await h.code(logoutXml(D1))).toBe(26);
    expect(await h.send(deviceUserQueryXml(D1))).toContain('<deviceUserResults>');
    expect(await Promise.all(running)).toEqual(['success', 'success', 'success']);
    const { counters } = await h.state();
    expect(counters).toEqual({
      requestsInProgress: 0,
      requestsThrottled: 2,
      requestsHandled: 6,
      autoLogouts: 0,
    });
    expect(await h.code(logoutXml(D1))).toBe('success');
  });

  it('counts only after authentication: a bad password is 3 even at the limit', async () => {
    await h.params({ maxConcurrentRequests: 1, latencyMs: { login: 200, logout: 0, query: 0 } });
    const running = h.code(loginXml(D1, 'bob'));
    await inFlight(1);
    expect(await h.code(loginXml(D2, 'carol', { app: { appID: 'emapi', password: 'nope' } }))).toBe(3);
    expect(await h.code(loginXml(D2, 'carol'))).toBe(26);
    expect(await running).toBe('success');
  });
});

describe('fault injection (CONTROL.md /__sim/faults)', () => {
  it('the next N matching requests fail with the code and change nothing', async () => {
    await h.fault({ code: 6, op: 'login', deviceName: D1, count: 2 });
    const before = await h.devicesSnapshot();
    expect(await h.code(loginXml(D1, 'bob'))).toBe(6);
    expect(await h.code(loginXml(D2, 'carol'))).toBe('success');
    expect(await h.code(loginXml('sep001122334455', 'bob'))).toBe(6);
    expect((await h.device(D1)).currentUser).toBeNull();
    expect(before.find((d) => d.name === D1)).toEqual(await h.device(D1));
    expect(await h.code(loginXml(D1, 'bob'))).toBe('success');
  });

  it('matches logout by the current user and queries by the listed names', async () => {
    await h.send(loginXml(D1, 'bob'));
    await h.fault({ code: 7, op: 'logout', userID: 'BOB' });
    expect(await h.code(logoutXml(D1))).toBe(7);
    expect((await h.device(D1)).currentUser).toBe('bob');
    await h.reset({ profile: 'modern' });
    await h.fault({ code: 9, op: 'query' });
    expect(await h.send(userQueryXml('userDevicesQuery', 'bob'))).toBe(failure(9, 'DirUser Creation Error'));
    expect(await h.send(userQueryXml('userDevicesQuery', 'bob'))).toContain('<userDevicesResults>');
  });

  it('rejects malformed fault specs with 400', async () => {
    expect((await h.control('POST', '/faults', { code: 'x' })).status).toBe(400);
    expect((await h.control('POST', '/faults', { code: 6, op: 'dance' })).status).toBe(400);
  });
});

describe('request log (CONTROL.md /__sim/log)', () => {
  it('returns the most recent EM requests with operation, device, user, code and latency', async () => {
    await h.send(loginXml(D1, 'bob'));
    await h.send(logoutXml(D3));
    const { json } = await h.control('GET', '/log?limit=2');
    expect(json).toEqual([
      {
        time: T0,
        operation: 'login',
        deviceName: D1,
        userID: 'bob',
        outcome: 'success',
        code: null,
        latencyMs: expect.any(Number),
      },
      {
        time: T0,
        operation: 'logout',
        deviceName: D3,
        userID: null,
        outcome: 'failure',
        code: 19,
        latencyMs: expect.any(Number),
      },
    ] satisfies RequestLogEntry[]);
    expect((await h.control('GET', '/log?limit=1')).json).toHaveLength(1);
    expect((await h.control('GET', '/log?limit=0')).status).toBe(400);
  });
});

describe('SPEC 5.3 logoutAll', () => {
  it('is accepted at once and logs everyone out progressively at the configured rate', async () => {
    await h.reset({ profile: 'modern' });
    await h.params({ logoutAllPerSecond: 1 });
    await h.send(loginXml(D1, 'bob', { minutes: 600 }));
    await h.send(loginXml(D2, 'carol'));
    await h.send(loginXml(D3, 'alice'));
    const logoutAll = `<request><appInfo><appID>emapi</appID><appCertificate>emapi-pass</appCertificate></appInfo><logoutAll/></request>`;
    expect(await h.code(logoutAll)).toBe('success');
    const loggedIn = async () => (await h.state()).devices.filter((d) => d.currentUser !== null).length;
    expect(await loggedIn()).toBe(3);
    await h.advance(1);
    expect(await loggedIn()).toBe(2);
    expect(await h.send(deviceUserQueryXml(D1))).toContain('<none/><lastlogin>bob</lastlogin>');
    await h.advance(1);
    expect(await loggedIn()).toBe(1);
    await h.advance(1);
    expect(await loggedIn()).toBe(0);
    expect(await h.device(D1)).toMatchObject({ autoLogoutAt: null, lastUser: 'bob' });
  });

  it('default rate finishes a small cluster within a fraction of a second', async () => {
    await h.reset({ profile: 'modern' });
    await h.send(loginXml(D1, 'bob'));
    await h.send(loginXml(D2, 'carol'));
    await h.send(
      `<request><appInfo><appID>emapi</appID><appCertificate>emapi-pass</appCertificate></appInfo><logoutAll/></request>`,
    );
    await h.advance(0.04);
    expect((await h.state()).devices.every((d) => d.currentUser === null)).toBe(true);
  });

  it('needs proxy rights (10), is code 1 in 4.1, and honours lenientRoot for a query wrapper', async () => {
    const body = (app: string, root = 'request') =>
      `<${root}><appInfo><appID>${app}</appID><appCertificate>${app}-pass</appCertificate></appInfo><logoutAll/></${root}>`;
    expect(await h.code(body('emapi'))).toBe(1);
    await h.reset({ profile: 'modern' });
    expect(await h.code(body('alice'))).toBe(10);
    expect(await h.code(body('emapi', 'query'))).toBe('success');
    await h.params({ lenientRoot: false });
    expect(await h.code(body('emapi', 'query'))).toBe(8);
  });
});
