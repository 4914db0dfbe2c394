import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Browser } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { createBench, deviceName, emUser, staffAppOn, type Bench } from './harness.js';

// Real HTTP to the emulator and a real database; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

describe('staff Phones page and /metrics', () => {
  let bench: Bench;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await bench?.close();
  });

  async function setUp() {
    bench = await createBench({ target: 'pglite', n: 3, start: '2026-03-02T07:59:00Z' });
    let browser: Browser;
    ({ app, browser } = await staffAppOn(bench));
    return browser;
  }

  it('shows node health and phones waiting for EM, and filters to problems only', async () => {
    const browser = await setUp();
    await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.book(1, 1, '2026-03-02T07:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T07:59:30Z');
    // EM stops answering before 08:00: the login at 08:00 waits for it.
    await bench.sim.control('PUT', 'nodes/1', { mode: 'unavailable' });
    await bench.at('2026-03-02T08:00:00Z');
    await bench.at('2026-03-02T08:00:30Z');
    const page = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('EM cluster nodes');
    expect(page.body).toMatch(/down since Mon 2 Mar, 09:00/);
    expect(page.body).toMatch(/1 phone action is waiting for EM, the oldest since Mon 2 Mar, 09:00/);
    const problems = await browser.get(`/staff/phones?floorId=${bench.floorId}&problems=1`);
    expect(problems.body).toContain(deviceName(0));
    expect(problems.body).not.toContain(deviceName(2));
    await bench.sim.control('PUT', 'nodes/1', { mode: 'up' });
    await bench.at('2026-03-02T08:00:40Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    const after = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(after.body).toMatch(/up since Mon 2 Mar, 09:00/);
    expect(after.body).not.toContain('waiting for EM');
  });

  it('shows each phone with its booking and live EM state, and logs out by hand (audited)', async () => {
    const browser = await setUp();
    await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T08:00:00Z');
    const page = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(deviceName(0));
    expect(page.body).toContain('Employee 0 (emp0@test.example), until Mon 2 Mar, 17:00');
    expect(page.body).toContain(emUser(0));
    expect(page.body).toContain('Log out at Mon 2 Mar, 17:00');
    expect(page.body).toContain('Europe/Berlin');

    const res = await browser.post(
      `/staff/phones/${bench.desks[0]!.phoneId}/logout`,
      { floorId: String(bench.floorId) },
      {
        csrfFrom: `/staff/phones?floorId=${bench.floorId}`,
      },
    );
    expect(res.statusCode).toBe(303);
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    const audit = await bench.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'phone.manual_logout' },
    });
    expect(audit.actorLabel).toBe('fac@test.example');

    const login = await browser.post(
      `/staff/phones/${bench.desks[0]!.phoneId}/login`,
      { floorId: String(bench.floorId), who: '' },
      { csrfFrom: `/staff/phones?floorId=${bench.floorId}` },
    );
    expect(login.statusCode).toBe(303);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    // EM refuses: the user is now on desk 0 and Multiple Logins Not Allowed (25); the page says so.
    await browser.post(
      `/staff/phones/${bench.desks[1]!.phoneId}/login`,
      { floorId: String(bench.floorId), who: emUser(0) },
      { csrfFrom: `/staff/phones?floorId=${bench.floorId}` },
    );
    const after = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(after.body).toContain('EM refused the login on');
    expect(after.body).toContain('User logged in elsewhere');
  });

  it('falls back to the last view when EM does not answer, and shows failed actions', async () => {
    const browser = await setUp();
    await bench.db.prisma.user.update({ where: { id: bench.users[1]!.id }, data: { emUserId: 'ghost' } });
    await bench.book(1, 1, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T08:00:00Z');
    await bench.stopSim();
    const page = await browser.get(`/staff/phones?floorId=${bench.floorId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('EM did not answer in time');
    expect(page.body).toContain('Failed');
    expect(page.body).toContain('EM code 23 (User does not exist)');
  });

  it('is for staff only', async () => {
    await setUp();
    const employee = await createUser(bench.db.prisma, { email: 'emp@test.example' });
    const browser = new Browser(app!);
    await browser.signIn(employee.email);
    expect((await browser.get('/staff/phones')).statusCode).toBe(403);
  });

  it('serves scheduler counters and queue gauges at /metrics', async () => {
    await setUp();
    await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T08:00:00Z');
    const res = await app!.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('roost_phone_actions_claimed_total{kind="LOGIN"} 1');
    expect(res.body).toContain('roost_phone_actions_total{kind="LOGIN",outcome="done"} 1');
    expect(res.body).toContain('roost_phone_actions_due 0');
    expect(res.body).toMatch(/^# TYPE roost_phone_action_lag_seconds summary$/m);
  });
});
