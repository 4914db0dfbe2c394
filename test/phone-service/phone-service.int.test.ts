import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, createBookingService } from '../../src/booking/booking-service.js';
import { setPhonePin } from '../../src/phone-service/phone-auth.js';
import { MINUTE_MS } from '../../src/time/clock.js';
import { createTestApp } from '../helpers/app.js';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, createBench, type Bench } from '../scheduler/harness.js';
import { Phone } from './phone.js';

// Tuesday 1 Dec 2026, 09:00 in Berlin (UTC+1).
const START = '2026-12-01T08:00:00.000Z';
const PIN = '482615';

describe.each(dbTargets)('desk phone service (%s)', (target) => {
  let bench: Bench;
  let app: FastifyInstance;
  const phone = (i: number) => new Phone(app, bench.desks[i]!.deviceName);
  const emId = (i: number) => bench.users[i]!.emUserId;
  const bookings = () => createBookingService({ prisma: bench.db.prisma, clock: bench.clock });
  const userRow = (i: number) =>
    bench.db.prisma.user.findUniqueOrThrow({ where: { id: bench.users[i]!.id } });

  beforeAll(async () => {
    bench = await createBench({ target, n: 4, start: START, policy: { releaseNoShowAfterMinutes: 20 } });
    for (const i of [0, 1, 2]) await setPhonePin(bench.db.prisma, bench.users[i]!.id, PIN);
    await bench.db.prisma.user.update({
      where: { id: bench.users[2]!.id },
      data: { displayName: "O'Brien & Sons" },
    });
  });
  afterAll(async () => bench?.close());

  beforeEach(async () => {
    await bench.at(START, { tick: false });
    await bench.db.prisma.phoneAction.deleteMany();
    await bench.db.prisma.reservation.deleteMany();
    // A fresh app per test: the wrong-PIN throttle starts empty.
    app = await createTestApp(bench.db, bench.clock);
  });
  afterEach(async () => app?.close());

  it('tells a phone that is not in Roost so, on a text screen', async () => {
    const screen = await new Phone(app, 'SEP0000DEADBEEF').home();
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.text).toMatch(/SEP0000DEADBEEF\) is not registered in Roost/);
  });

  it('answers a request without a device name with a text screen saying how to configure it', async () => {
    const screen = await new Phone(app, '').get('/phone/services');
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.text).toMatch(/#DEVICENAME#/);
  });

  it('books a free desk from now until a chosen time; the phone is logged in at once', async () => {
    const p = phone(0);
    const home = await p.home();
    expect(home.root).toBe('CiscoIPPhoneMenu');
    expect(home.title).toBe('Desk D0: free');
    const times = await p.select(home, 'Book this desk now');
    expect(times.root).toBe('CiscoIPPhoneMenu');
    // Half-hour steps from 09:30 up to the end of working hours, 20:00 (the 10-hour limit is 19:00).
    expect(times.items[0]!.name).toBe('09:30 CET');
    expect(times.items.at(-1)!.name).toBe('19:00 CET');
    const signIn = await p.select(times, '12:00 CET');
    expect(signIn.root).toBe('CiscoIPPhoneInput');
    expect(signIn.inputs.map((i) => [i.param, i.flags])).toEqual([
      ['user', 'A'],
      ['pin', 'NP'],
    ]);
    const done = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(done.root).toBe('CiscoIPPhoneText');
    expect(done.text).toMatch(/checked in until 12:00 CET/);

    const [r] = await bench.db.prisma.reservation.findMany();
    expect(r).toMatchObject({ userId: bench.users[0]!.id, deskId: bench.desks[0]!.id, status: 'CHECKED_IN' });
    expect(r!.startsAt.toISOString()).toBe(START);
    expect(r!.endsAt.toISOString()).toBe('2026-12-01T11:00:00.000Z');
    const actions = await actionsOf(bench, r!.id);
    expect(actions.map((a) => [a.kind, a.state, a.dueAt.toISOString()])).toEqual([
      ['LOGIN', 'PENDING', START],
      ['LOGOUT', 'PENDING', '2026-12-01T11:00:00.000Z'],
    ]);

    await bench.scheduler.tick(bench.clock.now());
    expect(await bench.sim.userOn(bench.desks[0]!.deviceName)).toBe(emId(0));

    const booked = await p.home();
    expect(booked.title).toBe('Desk D0: booked');
    expect(booked.items[0]!.name).toBe('Employee 0 until 12:00 CET');
    const manage = await p.softKey(done, 'Manage');
    expect(manage.items.map((i) => i.name)).toEqual(['Extend by 30 minutes', 'Extend by 60 minutes']);
  });

  it('lets the owner check in, extend by 30 and 60 minutes when free, and release; the emulator follows', async () => {
    const p = phone(1);
    const service = bookings();
    const actor = actorFor({ ...(await userRow(1)), role: 'EMPLOYEE' });
    const r = await service.book({
      actor,
      userId: actor.id!,
      deskId: bench.desks[1]!.id,
      startsAt: new Date('2026-12-01T08:10:00Z'),
      endsAt: new Date('2026-12-01T10:00:00Z'),
    });
    // Someone else has the desk from 11:30 local (10:30Z): room for +30, not for +60.
    const other = actorFor({ ...(await userRow(3)), role: 'EMPLOYEE' });
    await service.book({
      actor: other,
      userId: other.id!,
      deskId: bench.desks[1]!.id,
      startsAt: new Date('2026-12-01T10:30:00Z'),
      endsAt: new Date('2026-12-01T12:00:00Z'),
    });

    // 09:00 local, ten minutes before the start: the check-in window is open.
    const home = await p.home();
    expect(home.title).toBe('Desk D1: booked');
    expect(home.items[0]!.name).toBe('Employee 1 from 09:10 CET');
    const signIn = await p.select(home, /^My booking/);
    let menu = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(menu.root).toBe('CiscoIPPhoneMenu');
    expect(menu.items.map((i) => i.name)).toEqual(['Check in', 'Extend by 30 minutes']);

    let result = await p.select(menu, 'Check in');
    expect(result.text).toMatch(/Checked in/);
    expect((await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).status).toBe(
      'CHECKED_IN',
    );

    await bench.at('2026-12-01T08:12:00Z');
    expect(await bench.sim.userOn(bench.desks[1]!.deviceName)).toBe(emId(1));

    // The token from 09:00 has expired (five minutes): the PIN again.
    expect((await p.softKey(result, 'Manage')).text).toMatch(/timed out/);
    menu = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(menu.items.map((i) => i.name)).toEqual(['Extend by 30 minutes', 'Release desk now']);
    result = await p.select(menu, 'Extend by 30 minutes');
    expect(result.text).toMatch(/until 11:30 CET/);
    let row = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.endsAt.toISOString()).toBe('2026-12-01T10:30:00.000Z');
    const logout = (await actionsOf(bench, r.id)).find((a) => a.kind === 'LOGOUT')!;
    expect(logout.dueAt.toISOString()).toBe('2026-12-01T10:30:00.000Z');

    // The desk is taken from 11:30: no more extending.
    menu = await p.softKey(result, 'Manage');
    expect(menu.items.map((i) => i.name)).toEqual(['Release desk now']);

    result = await p.select(menu, 'Release desk now');
    expect(result.text).toMatch(/released/i);
    row = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.status).toBe('RELEASED');
    expect(row.endsAt.getTime()).toBe(bench.clock.now().getTime());
    await bench.scheduler.tick(bench.clock.now());
    expect(await bench.sim.userOn(bench.desks[1]!.deviceName)).toBeNull();
    expect((await p.home()).title).toBe('Desk D1: free');
  });

  it('a check-in on the phone keeps the desk past the no-show release; no check-in loses it', async () => {
    const service = bookings();
    const mine = actorFor({ ...(await userRow(0)), role: 'EMPLOYEE' });
    const theirs = actorFor({ ...(await userRow(1)), role: 'EMPLOYEE' });
    const checkedIn = await service.book({
      actor: mine,
      userId: mine.id!,
      deskId: bench.desks[0]!.id,
      startsAt: new Date('2026-12-01T08:05:00Z'),
      endsAt: new Date('2026-12-01T12:00:00Z'),
    });
    const absent = await service.book({
      actor: theirs,
      userId: theirs.id!,
      deskId: bench.desks[1]!.id,
      startsAt: new Date('2026-12-01T08:05:00Z'),
      endsAt: new Date('2026-12-01T12:00:00Z'),
    });
    const p = phone(0);
    const menu = await p.submit(await p.get(`/phone/manage/sign-in?device=${p.device}`), {
      user: emId(0),
      pin: PIN,
    });
    await p.select(menu, 'Check in');
    await bench.at('2026-12-01T08:30:00Z');
    const rows = await bench.db.prisma.reservation.findMany({ orderBy: { id: 'asc' } });
    expect(rows.find((x) => x.id === checkedIn.id)!.status).toBe('CHECKED_IN');
    expect(rows.find((x) => x.id === absent.id)!.status).toBe('NO_SHOW');
  });

  it('refuses a check-in outside the window with the window in the message', async () => {
    const service = bookings();
    const a = actorFor({ ...(await userRow(0)), role: 'EMPLOYEE' });
    await service.book({
      actor: a,
      userId: a.id!,
      deskId: bench.desks[0]!.id,
      startsAt: new Date('2026-12-01T08:10:00Z'),
      endsAt: new Date('2026-12-01T10:00:00Z'),
    });
    const p = phone(0);
    const signIn = await p.get(`/phone/manage/sign-in?device=${p.device}`);
    // The window closes 30 minutes after the start, at 09:40 local.
    await bench.at('2026-12-01T08:41:00Z', { tick: false });
    const menu = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(menu.items.map((i) => i.name)).not.toContain('Check in');
    // A phone that still shows an older menu asks anyway: the booking service refuses.
    const stale = menu.items[0]!.url.replace(/action=[\w-]+/, 'action=check-in');
    const result = await p.get(stale);
    expect(result.root).toBe('CiscoIPPhoneText');
    expect(result.text).toMatch(/Check-in closed at 09:40/);
    expect((await bench.db.prisma.reservation.findFirstOrThrow()).status).toBe('BOOKED');
  });

  it("shows who has the desk, escaping names like O'Brien & Sons, and refuses someone else's booking", async () => {
    const service = bookings();
    const obrien = actorFor({ ...(await userRow(2)), role: 'EMPLOYEE' });
    await service.book({
      actor: obrien,
      userId: obrien.id!,
      deskId: bench.desks[2]!.id,
      startsAt: new Date(START),
      endsAt: new Date('2026-12-01T10:00:00Z'),
    });
    const p = phone(2);
    const home = await p.home();
    expect(home.raw).toContain('O&apos;Brien &amp; Sons until 11:00 CET');
    expect(home.items[0]!.name).toBe("O'Brien & Sons until 11:00 CET");
    const result = await p.submit(await p.select(home, /^My booking/), { user: emId(0), pin: PIN });
    expect(result.root).toBe('CiscoIPPhoneText');
    expect(result.text).toMatch(/booked by O'Brien & Sons, not by you/);
    // No "book now" while the desk is taken.
    expect((await p.get(`/phone/book?device=${p.device}`)).text).toMatch(/booked/);
  });

  it('refuses a wrong PIN, then slows the person down with growing delays on every phone', async () => {
    const p = phone(0);
    const signIn = await p.get(`/phone/book/sign-in?device=${p.device}&until=20261201T1100Z`);
    for (let i = 0; i < 3; i++) {
      const wrong = await p.submit(signIn, { user: emId(0), pin: '999999' });
      expect(wrong.root).toBe('CiscoIPPhoneText');
      expect(wrong.text).toMatch(/do not match/);
      expect(wrong.headers['x-roost-outcome']).toBe('UNAUTHENTICATED');
    }
    const limited = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(limited.text).toMatch(/Too many wrong PINs/);
    expect(limited.headers['x-roost-outcome']).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('15');
    expect(limited.text).toContain('15 seconds');
    expect(await bench.db.prisma.reservation.count()).toBe(0);
    // Two more wrong PINs on another phone: five for the person, so every phone waits.
    const elsewhere = phone(1);
    const otherSignIn = await elsewhere.get(
      `/phone/book/sign-in?device=${elsewhere.device}&until=20261201T1100Z`,
    );
    for (let i = 0; i < 2; i++)
      expect((await elsewhere.submit(otherSignIn, { user: emId(0), pin: '999998' })).text).toMatch(
        /do not match/,
      );
    expect((await elsewhere.submit(otherSignIn, { user: emId(0), pin: PIN })).text).toMatch(
      /Too many wrong PINs/,
    );
    // The delay passes: the right PIN works again and clears the count.
    bench.clock.advance(15 * MINUTE_MS);
    const ok = await p.submit(await p.get(`/phone/manage/sign-in?device=${p.device}`), {
      user: emId(0),
      pin: PIN,
    });
    expect(ok.text).toMatch(/no booking at Desk D0/);
  });

  it('has no per-phone lock: wrong PINs for many user IDs do not stop the next person at that phone', async () => {
    const p = phone(3);
    const signIn = await p.get(`/phone/manage/sign-in?device=${p.device}`);
    for (let i = 0; i < 30; i++) await p.submit(signIn, { user: `nobody${i}`, pin: '135791' });
    const next = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(next.text).not.toMatch(/Too many wrong PINs/);
    expect(next.headers['x-roost-outcome']).not.toBe('RATE_LIMITED');
  });

  it('accepts a token only on its phone and only for five minutes', async () => {
    const p = phone(0);
    const manage = await p.submit(
      await p.get(`/phone/book/sign-in?device=${p.device}&until=20261201T1100Z`),
      {
        user: emId(0),
        pin: PIN,
      },
    );
    const tokenUrl = new URL(manage.softKeys.find((k) => k.name === 'Manage')!.url);
    const t = tokenUrl.searchParams.get('token')!;
    const release = `/phone/manage/do?device=${p.device}&action=release&token=${encodeURIComponent(t)}`;
    const stolen = await phone(1).get(
      `/phone/manage/do?device=${bench.desks[1]!.deviceName}&action=release&token=${encodeURIComponent(t)}`,
    );
    expect(stolen.text).toMatch(/timed out/);
    const forged = await p.get(release.replace(/token=\d+/, `token=${bench.users[1]!.id}`));
    expect(forged.text).toMatch(/timed out/);
    bench.clock.advance(5 * MINUTE_MS + 1000);
    const late = await p.get(release);
    expect(late.text).toMatch(/timed out/);
    expect((await bench.db.prisma.reservation.findFirstOrThrow()).status).toBe('CHECKED_IN');
  });

  it('explains why a desk cannot be booked now (outside working hours)', async () => {
    await bench.at('2026-12-01T19:45:00Z', { tick: false }); // 20:45 local
    const p = phone(0);
    const screen = await p.select(await p.home(), 'Book this desk now');
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.text).toMatch(/working hours, 07:00–20:00/);
  });
});
