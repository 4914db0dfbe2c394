import type { FastifyInstance } from 'fastify';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, createBookingService } from '../../src/booking/booking-service.js';
import { MINUTE_MS } from '../../src/time/clock.js';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, type Bench } from '../scheduler/harness.js';
import { Phone } from './phone.js';
import { PIN, START, usePhoneBench } from './phone-bench.js';

/**
 * What the screens say, in each language the site can default to: every test below runs in
 * English and in German, through the same flows and the same XML checks (the Phone helper
 * validates every screen against CiscoIPPhone.xsd's shapes and limits).
 */
const SCREENS = {
  en: {
    zone: 'CET',
    desk: (n: number) => `Desk D${n}`,
    free: (n: number) => `Desk D${n}: free`,
    booked: (n: number) => `Desk D${n}: booked`,
    bookNow: 'Book this desk now',
    ownerUntil: (name: string, time: string) => `${name} until ${time}`,
    ownerFrom: (name: string, time: string) => `${name} from ${time}`,
    myBooking: /^My booking/,
    manage: 'Manage',
    checkIn: 'Check in',
    extend30: 'Extend by 30 minutes',
    extend60: 'Extend by 60 minutes',
    release: 'Release desk now',
    notRegistered: /SEP0000DEADBEEF\) is not registered in Roost/,
    bookedAndCheckedIn: (time: string) => new RegExp(`checked in until ${time}`),
    checkedIn: /Checked in/,
    timedOut: /timed out/,
    extendedUntil: (time: string) => new RegExp(`until ${time}`),
    released: /released/i,
    checkInClosed: (time: string) => new RegExp(`Check-in closed at ${time}`),
    notYours: (owner: string) => new RegExp(`booked by ${owner}, not by you`),
    deskBooked: /booked/,
    wrongPin: /do not match/,
    tooMany: /Too many wrong PINs/,
    seconds: (n: number) => `${n} seconds`,
    noBooking: (desk: string) => new RegExp(`no booking at ${desk}`),
    workingHours: /working hours, 07:00–20:00/,
  },
  de: {
    zone: 'MEZ',
    desk: (n: number) => `Arbeitsplatz D${n}`,
    free: (n: number) => `Arbeitsplatz D${n}: frei`,
    booked: (n: number) => `Arbeitsplatz D${n}: gebucht`,
    bookNow: 'Diesen Arbeitsplatz jetzt buchen',
    ownerUntil: (name: string, time: string) => `${name} bis ${time}`,
    ownerFrom: (name: string, time: string) => `${name} ab ${time}`,
    myBooking: /^Meine Buchung/,
    manage: 'Buchung',
    checkIn: 'Einchecken',
    extend30: 'Um 30 Minuten verlängern',
    extend60: 'Um 60 Minuten verlängern',
    release: 'Arbeitsplatz jetzt freigeben',
    // A phone Roost does not know has no site, so no site language: English.
    notRegistered: /SEP0000DEADBEEF\) is not registered in Roost/,
    bookedAndCheckedIn: (time: string) => new RegExp(`eingecheckt bis ${time}`),
    checkedIn: /Eingecheckt/,
    timedOut: /abgelaufen/,
    extendedUntil: (time: string) => new RegExp(`bis ${time}`),
    released: /freigegeben/,
    checkInClosed: (time: string) => new RegExp(`Einchecken war nur bis ${time} Uhr möglich`),
    notYours: (owner: string) => new RegExp(`von ${owner} gebucht, nicht von Ihnen`),
    deskBooked: /gebucht/,
    wrongPin: /passen nicht zusammen/,
    tooMany: /Zu viele falsche PINs/,
    seconds: (n: number) => `${n} Sekunden`,
    noBooking: (desk: string) => new RegExp(`keine Buchung für ${desk}`),
    workingHours: /innerhalb der Arbeitszeiten liegen \(07:00–20:00 MEZ\)/,
  },
} as const;

const cases = dbTargets.flatMap((target) => (['en', 'de'] as const).map((lang) => ({ target, lang })));

describe.each(cases)('desk phone service ($target, $lang)', ({ target, lang }) => {
  const say = SCREENS[lang];
  const at = (time: string) => `${time} ${say.zone}`;
  const ctx = usePhoneBench(target, { siteLanguage: lang });
  let bench: Bench;
  let app: FastifyInstance;
  const { phone, emId, userRow } = ctx;
  const bookings = () =>
    createBookingService({ prisma: bench.db.prisma, sql: bench.db.sql, clock: bench.clock });

  beforeAll(async () => {
    await ctx.bench.db.prisma.user.update({
      where: { id: ctx.bench.users[2]!.id },
      data: { displayName: "O'Brien & Sons" },
    });
  });
  beforeEach(() => {
    ({ bench, app } = ctx);
  });

  it('tells a phone that is not in Roost so, on a text screen', async () => {
    const screen = await new Phone(app, 'SEP0000DEADBEEF').home();
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.text).toMatch(say.notRegistered);
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
    expect(home.title).toBe(say.free(0));
    const times = await p.select(home, say.bookNow);
    expect(times.root).toBe('CiscoIPPhoneMenu');
    // Half-hour steps from 09:30 up to the end of working hours, 20:00 (the 10-hour limit is 19:00).
    expect(times.items[0]!.name).toBe(at('09:30'));
    expect(times.items.at(-1)!.name).toBe(at('19:00'));
    const signIn = await p.select(times, at('12:00'));
    expect(signIn.root).toBe('CiscoIPPhoneInput');
    expect(signIn.inputs.map((i) => [i.param, i.flags])).toEqual([
      ['user', 'A'],
      ['pin', 'NP'],
    ]);
    const done = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(done.root).toBe('CiscoIPPhoneText');
    expect(done.text).toMatch(say.bookedAndCheckedIn(at('12:00')));

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
    expect(booked.title).toBe(say.booked(0));
    expect(booked.items[0]!.name).toBe(say.ownerUntil('Employee 0', at('12:00')));
    const manage = await p.softKey(done, say.manage);
    expect(manage.items.map((i) => i.name)).toEqual([say.extend30, say.extend60]);
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
    expect(home.title).toBe(say.booked(1));
    expect(home.items[0]!.name).toBe(say.ownerFrom('Employee 1', at('09:10')));
    const signIn = await p.select(home, say.myBooking);
    let menu = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(menu.root).toBe('CiscoIPPhoneMenu');
    expect(menu.items.map((i) => i.name)).toEqual([say.checkIn, say.extend30]);

    let result = await p.select(menu, say.checkIn);
    expect(result.text).toMatch(say.checkedIn);
    expect((await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).status).toBe(
      'CHECKED_IN',
    );

    await bench.at('2026-12-01T08:12:00Z');
    expect(await bench.sim.userOn(bench.desks[1]!.deviceName)).toBe(emId(1));

    // The token from 09:00 has expired (five minutes): the PIN again.
    expect((await p.softKey(result, say.manage)).text).toMatch(say.timedOut);
    menu = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(menu.items.map((i) => i.name)).toEqual([say.extend30, say.release]);
    result = await p.select(menu, say.extend30);
    expect(result.text).toMatch(say.extendedUntil(at('11:30')));
    let row = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.endsAt.toISOString()).toBe('2026-12-01T10:30:00.000Z');
    const logout = (await actionsOf(bench, r.id)).find((a) => a.kind === 'LOGOUT')!;
    expect(logout.dueAt.toISOString()).toBe('2026-12-01T10:30:00.000Z');

    // The desk is taken from 11:30: no more extending.
    menu = await p.softKey(result, say.manage);
    expect(menu.items.map((i) => i.name)).toEqual([say.release]);

    result = await p.select(menu, say.release);
    expect(result.text).toMatch(say.released);
    row = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } });
    expect(row.status).toBe('RELEASED');
    expect(row.endsAt.getTime()).toBe(bench.clock.now().getTime());
    await bench.scheduler.tick(bench.clock.now());
    expect(await bench.sim.userOn(bench.desks[1]!.deviceName)).toBeNull();
    expect((await p.home()).title).toBe(say.free(1));
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
    await p.select(menu, say.checkIn);
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
    expect(menu.items.map((i) => i.name)).not.toContain(say.checkIn);
    // A phone that still shows an older menu asks anyway: the booking service refuses.
    const stale = menu.items[0]!.url.replace(/action=[\w-]+/, 'action=check-in');
    const result = await p.get(stale);
    expect(result.root).toBe('CiscoIPPhoneText');
    expect(result.text).toMatch(say.checkInClosed('09:40'));
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
    expect(home.raw).toContain(say.ownerUntil('O&apos;Brien &amp; Sons', at('11:00')));
    expect(home.items[0]!.name).toBe(say.ownerUntil("O'Brien & Sons", at('11:00')));
    const result = await p.submit(await p.select(home, say.myBooking), { user: emId(0), pin: PIN });
    expect(result.root).toBe('CiscoIPPhoneText');
    expect(result.text).toMatch(say.notYours("O'Brien & Sons"));
    // No "book now" while the desk is taken.
    expect((await p.get(`/phone/book?device=${p.device}`)).text).toMatch(say.deskBooked);
  });

  it('refuses a wrong PIN, then slows the person down with growing delays on every phone', async () => {
    const p = phone(0);
    const signIn = await p.get(`/phone/book/sign-in?device=${p.device}&until=20261201T1100Z`);
    for (let i = 0; i < 3; i++) {
      const wrong = await p.submit(signIn, { user: emId(0), pin: '999999' });
      expect(wrong.root).toBe('CiscoIPPhoneText');
      expect(wrong.text).toMatch(say.wrongPin);
      expect(wrong.headers['x-roost-outcome']).toBe('UNAUTHENTICATED');
    }
    const limited = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(limited.text).toMatch(say.tooMany);
    expect(limited.headers['x-roost-outcome']).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('15');
    expect(limited.text).toContain(say.seconds(15));
    expect(await bench.db.prisma.reservation.count()).toBe(0);
    // Two more wrong PINs on another phone: five for the person, so every phone waits.
    const elsewhere = phone(1);
    const otherSignIn = await elsewhere.get(
      `/phone/book/sign-in?device=${elsewhere.device}&until=20261201T1100Z`,
    );
    for (let i = 0; i < 2; i++)
      expect((await elsewhere.submit(otherSignIn, { user: emId(0), pin: '999998' })).text).toMatch(
        say.wrongPin,
      );
    expect((await elsewhere.submit(otherSignIn, { user: emId(0), pin: PIN })).text).toMatch(say.tooMany);
    // The delay passes: the right PIN works again and clears the count.
    bench.clock.advance(15 * MINUTE_MS);
    const ok = await p.submit(await p.get(`/phone/manage/sign-in?device=${p.device}`), {
      user: emId(0),
      pin: PIN,
    });
    expect(ok.text).toMatch(say.noBooking(say.desk(0)));
  });

  it('has no per-phone lock: wrong PINs for many user IDs do not stop the next person at that phone', async () => {
    const p = phone(3);
    const signIn = await p.get(`/phone/manage/sign-in?device=${p.device}`);
    for (let i = 0; i < 30; i++) await p.submit(signIn, { user: `nobody${i}`, pin: '135791' });
    const next = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(next.text).not.toMatch(say.tooMany);
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
    const tokenUrl = new URL(manage.softKeys.find((k) => k.name === say.manage)!.url);
    const t = tokenUrl.searchParams.get('token')!;
    const release = `/phone/manage/do?device=${p.device}&action=release&token=${encodeURIComponent(t)}`;
    const stolen = await phone(1).get(
      `/phone/manage/do?device=${bench.desks[1]!.deviceName}&action=release&token=${encodeURIComponent(t)}`,
    );
    expect(stolen.text).toMatch(say.timedOut);
    const forged = await p.get(release.replace(/token=\d+/, `token=${bench.users[1]!.id}`));
    expect(forged.text).toMatch(say.timedOut);
    bench.clock.advance(5 * MINUTE_MS + 1000);
    const late = await p.get(release);
    expect(late.text).toMatch(say.timedOut);
    expect((await bench.db.prisma.reservation.findFirstOrThrow()).status).toBe('CHECKED_IN');
  });

  it('explains why a desk cannot be booked now (outside working hours)', async () => {
    await bench.at('2026-12-01T19:45:00Z', { tick: false }); // 20:45 local
    const p = phone(0);
    const screen = await p.select(await p.home(), say.bookNow);
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.text).toMatch(say.workingHours);
  });
});
