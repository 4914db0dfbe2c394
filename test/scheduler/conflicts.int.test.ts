import { afterEach, describe, expect, it, vi } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, createBench, deviceName, emUser, type Bench } from './harness.js';

// Real HTTP to the emulator and a real database; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

const START = '2026-03-02T08:00:00Z';
const END = '2026-03-02T16:00:00Z';

async function auditActions(bench: Bench): Promise<string[]> {
  const rows = await bench.db.prisma.auditEvent.findMany({ orderBy: { id: 'asc' } });
  expect(rows.every((r) => r.actorLabel === 'scheduler')).toBe(true);
  return rows.map((r) => r.action);
}

describe.each(dbTargets)('phone conflicts and failures (%s)', (target) => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('logs a walk-up occupant out and the booking owner in', async () => {
    bench = await createBench({ target, n: 3, start: '2026-03-02T07:00:00Z' });
    expect(await bench.sim.emLogin(deviceName(0), emUser(2))).toBeNull();
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
    expect(await auditActions(bench)).toEqual(['phone.occupant_logged_out']);
  });

  it('leaves an occupant whose booking covers now, marks CONFLICT, and repairs once that booking ends', async () => {
    bench = await createBench({ target, n: 3, start: '2026-03-02T07:00:00Z' });
    // User 1 holds the desk 07:00-08:00 and is on the phone (logged in by hand).
    await bench.db.prisma.reservation.create({
      data: {
        deskId: bench.desks[0]!.id,
        userId: bench.users[1]!.id,
        startsAt: new Date('2026-03-02T07:00:00Z'),
        endsAt: new Date(START),
        status: 'CHECKED_IN',
      },
    });
    expect(await bench.sim.emLogin(deviceName(0), emUser(1))).toBeNull();
    // User 0 books 08:00-16:00; a rush moved the login to 07:55.
    const id = await bench.book(0, 0, START, END);
    await bench.db.prisma.phoneAction.updateMany({
      where: { reservationId: id, kind: 'LOGIN' },
      data: { dueAt: new Date('2026-03-02T07:55:00Z') },
    });
    await bench.at('2026-03-02T07:55:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(1));
    const login = (await actionsOf(bench, id))[0]!;
    expect(login.state).toBe('CONFLICT');
    expect(login.lastOutcome).toMatch(/occupied by emp0001/);
    expect(await auditActions(bench)).toEqual(['phone.occupied_conflict']);
    // At 08:00 user 1's booking is over: reconciliation queues a re-login, which clears the phone.
    await bench.at(START);
    const report = await bench.scheduler.reconcile(bench.clock.now());
    expect(report.relogins).toBe(1);
    await bench.scheduler.tick(bench.clock.now());
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await auditActions(bench)).toEqual([
      'phone.occupied_conflict',
      'phone.relogin_queued',
      'phone.occupant_logged_out',
    ]);
  });

  it('logs a user out of another phone not covered by a booking (25), then in at the desk', async () => {
    bench = await createBench({ target, n: 4, start: '2026-03-02T07:00:00Z' });
    expect(await bench.sim.emLogin(deviceName(3), emUser(0))).toBeNull();
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await bench.sim.userOn(deviceName(3))).toBeNull();
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
    expect(await auditActions(bench)).toEqual(['phone.user_logged_out_elsewhere']);
    const log = await bench.sim.log();
    expect(log.filter((e) => e.operation === 'login').map((e) => e.code)).toEqual([null, 25, null]);
  });

  it('waits for the booked start when the user is still on the phone of an earlier booking (early login, 25)', async () => {
    bench = await createBench({ target, n: 4, start: '2026-03-02T06:59:00Z' });
    const first = await bench.book(0, 3, '2026-03-02T07:00:00Z', START);
    await bench.at('2026-03-02T07:00:00Z');
    expect(await bench.sim.userOn(deviceName(3))).toBe(emUser(0));
    const second = await bench.book(0, 0, START, END);
    await bench.db.prisma.phoneAction.updateMany({
      where: { reservationId: second, kind: 'LOGIN' },
      data: { dueAt: new Date('2026-03-02T07:55:00Z') },
    });
    await bench.at('2026-03-02T07:55:00Z');
    const waiting = (await actionsOf(bench, second))[0]!;
    expect(waiting.state).toBe('PENDING');
    expect(waiting.dueAt.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    await bench.at(START);
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await bench.sim.userOn(deviceName(3))).toBeNull();
    expect((await actionsOf(bench, first)).map((a) => a.state)).toEqual(['DONE', 'DONE']);
    expect((await actionsOf(bench, second)).map((a) => a.state)).toEqual(['DONE', 'PENDING']);
  });

  it('keeps retrying while EM is down for ten minutes and logs in when it is back', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:59:00Z' });
    const id = await bench.book(0, 0, START, END);
    await bench.stopSim();
    for (let t = Date.parse(START); t < Date.parse('2026-03-02T08:10:00Z'); t += 30_000) {
      await bench.at(new Date(t).toISOString());
    }
    const during = (await actionsOf(bench, id))[0]!;
    expect(during.state).toBe('PENDING');
    // One attempt found EM away; after that the cluster is probed and nothing is claimed for it.
    expect(during.attempts).toBe(1);
    expect(during.lastOutcome).toMatch(/EM unreachable/);
    const phone = await bench.db.prisma.phone.findUniqueOrThrow({ where: { id: bench.desks[0]!.phoneId } });
    expect(phone.lastEmOutcome).toMatch(/EM unreachable/);
    await bench.startSim('2026-03-02T08:10:00Z');
    // The probe is due (every 10 s at most), so the first tick after EM is back logs the phone in.
    await bench.at('2026-03-02T08:10:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    const after = (await actionsOf(bench, id))[0]!;
    expect(after.state).toBe('DONE');
    // The cluster-side logout still lands at the booking's end plus the grace.
    const dev = (await bench.sim.state()).devices.find((d) => d.name === deviceName(0))!;
    // (whole minutes from the actual login, rounded up: 16:05 to 16:06).
    expect(
      dev.autoLogoutAt! >= '2026-03-02T16:05:00.000Z' && dev.autoLogoutAt! <= '2026-03-02T16:06:00.000Z',
    ).toBe(true);
  });

  it('never gives up on a transient code while the booking is current (code 6), and shows it', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:59:00Z' });
    const id = await bench.book(0, 0, START, END);
    await bench.sim.fault({ code: 6, op: 'login', count: 7 });
    for (let t = Date.parse(START); t <= Date.parse('2026-03-02T08:20:00Z'); t += 60_000) {
      await bench.at(new Date(t).toISOString());
    }
    const during = (await actionsOf(bench, id))[0]!;
    expect(during.state).toBe('PENDING');
    expect(during.attempts).toBeGreaterThanOrEqual(5);
    expect(during.lastEmCode).toBe(6);
    expect(during.lastOutcome).toMatch(/Database Error/);
    // The curve is capped at 5 minutes: the cluster's trouble passes and the phone is logged in.
    for (let t = Date.parse('2026-03-02T08:21:00Z'); t <= Date.parse('2026-03-02T08:45:00Z'); t += 60_000) {
      await bench.at(new Date(t).toISOString());
    }
    expect((await actionsOf(bench, id))[0]!.state).toBe('DONE');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
  });

  it('fails at once, with the EM meaning, on a permanent code (23: user unknown to EM)', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:59:00Z' });
    await bench.db.prisma.user.update({ where: { id: bench.users[0]!.id }, data: { emUserId: 'ghost' } });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    const login = (await actionsOf(bench, id))[0]!;
    expect(login.state).toBe('FAILED');
    expect(login.attempts).toBe(1);
    expect(login.lastEmCode).toBe(23);
    expect(login.lastOutcome).toMatch(/User does not exist/);
    // Its logout still runs and finds nobody to log out.
    await bench.at(END);
    expect((await actionsOf(bench, id))[1]!.state).toBe('DONE');
  });

  it("counts the cluster's own earlier automatic logout as done (19) at the booking's end", async () => {
    bench = await createBench({
      target,
      n: 2,
      start: '2026-03-02T07:59:00Z',
      simParams: { enforceMaxLoginTime: true, maxLoginTimeMinutes: 30 },
    });
    const id = await bench.book(0, 0, START, '2026-03-02T09:00:00Z');
    await bench.at(START);
    await bench.at('2026-03-02T08:31:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull(); // EM logged out at 08:30
    // Make the pre-query fail so the logout itself is sent and answered 19.
    await bench.sim.fault({ code: 6, op: 'query', count: 1 });
    await bench.at('2026-03-02T09:00:00Z');
    const logout = (await actionsOf(bench, id))[1]!;
    expect(logout.state).toBe('DONE');
    expect(logout.lastEmCode).toBe(19);
    const log = await bench.sim.log();
    expect(log.filter((e) => e.operation === 'logout').map((e) => e.code)).toEqual([19]);
  });

  it('fails actions of a site without an EM cluster with a clear message', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:59:00Z' });
    await bench.db.prisma.site.update({ where: { id: bench.siteId }, data: { emClusterId: null } });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    const login = (await actionsOf(bench, id))[0]!;
    expect(login.state).toBe('FAILED');
    expect(login.lastOutcome).toMatch(/no EM cluster|EM cluster/);
    expect(await bench.sim.log()).toEqual([]);
  });

  it('releases a no-show and logs the phone out at that moment; a checked-in booking stays', async () => {
    bench = await createBench({
      target,
      n: 3,
      start: '2026-03-02T07:59:00Z',
      policy: { releaseNoShowAfterMinutes: 30 },
    });
    const noShow = await bench.book(0, 0, START, END);
    const present = await bench.book(1, 1, START, END);
    await bench.at(START);
    await bench.db.prisma.reservation.update({
      where: { id: present },
      data: { status: 'CHECKED_IN', checkedInAt: bench.clock.now() },
    });
    await bench.at('2026-03-02T08:29:00Z');
    expect((await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: noShow } })).status).toBe(
      'BOOKED',
    );
    await bench.at('2026-03-02T08:30:00Z');
    const r = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: noShow } });
    expect(r.status).toBe('NO_SHOW');
    expect(r.endsAt.toISOString()).toBe('2026-03-02T08:30:00.000Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    expect(await bench.sim.userOn(deviceName(1))).toBe(emUser(1));
    expect((await actionsOf(bench, noShow))[1]!.completedAt?.toISOString()).toBe('2026-03-02T08:30:00.000Z');
    expect(await auditActions(bench)).toEqual(['reservation.no_show']);
  });

  it('reconciles drift: logs out a phone with no booking, logs a current booking back in', async () => {
    bench = await createBench({ target, n: 3, start: '2026-03-02T07:59:00Z' });
    const id = await bench.book(0, 0, START, END);
    await bench.at(START);
    // Someone logged out at the phone; someone else walked up to a desk nobody booked.
    const logoutXml = (device: string) =>
      `<request><appInfo><appID>emapi</appID><appCertificate>emapi-pass</appCertificate></appInfo><logout><deviceName>${device}</deviceName></logout></request>`;
    await fetch(`${bench.sim.url}/emservice/EMServiceServlet`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `xml=${encodeURIComponent(logoutXml(deviceName(0)))}`,
    });
    expect(await bench.sim.emLogin(deviceName(2), emUser(2))).toBeNull();
    await bench.at('2026-03-02T09:00:00Z');
    const report = await bench.scheduler.reconcile(bench.clock.now());
    expect(report).toMatchObject({ checked: 3, relogins: 1, driftLogouts: 1, failedClusters: 0 });
    await bench.scheduler.tick(bench.clock.now());
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    expect(await bench.sim.userOn(deviceName(2))).toBeNull();
    expect(
      (await actionsOf(bench, id)).map((a) => [a.idempotencyKey.replace(/^r\d+/, 'r'), a.state]),
    ).toEqual([
      ['r:login', 'DONE'],
      ['r:logout', 'PENDING'],
      ['r:relogin:1', 'DONE'],
    ]);
    const phone2 = await bench.db.prisma.phone.findUniqueOrThrow({ where: { id: bench.desks[2]!.phoneId } });
    expect(phone2.emUserId).toBeNull();
    // A second pass finds nothing to repair.
    expect(await bench.scheduler.reconcile(bench.clock.now())).toMatchObject({
      relogins: 0,
      driftLogouts: 0,
    });
  });
});
