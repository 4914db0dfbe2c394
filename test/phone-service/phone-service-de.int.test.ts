import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actorFor, createBookingService } from '../../src/booking/booking-service.js';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, type Bench } from '../scheduler/harness.js';
import { PIN, usePhoneBench } from './phone-bench.js';

// The phone service's screens in German in full, and the switch between languages: the
// site's default language until a person is identified, then that person's own choice.
// phone-service.int.test.ts runs every flow in English and in German on the same set-up
// (phone-bench.ts) and the same XML checks.

describe.each(dbTargets)('desk phone service in German (%s)', (target) => {
  const ctx = usePhoneBench(target, { siteLanguage: 'de' });
  let bench: Bench;
  const { phone, emId, userRow } = ctx;

  beforeAll(async () => {
    // Employee 2 chose English: the German site speaks English to them once they are known.
    await ctx.bench.db.prisma.user.update({
      where: { id: ctx.bench.users[2]!.id },
      data: { language: 'en' },
    });
  });
  beforeEach(() => {
    bench = ctx.bench;
  });

  it('books a free desk from now until a chosen time, in German, with 24-hour times and MEZ', async () => {
    const p = phone(0);
    const home = await p.home();
    expect(home.root).toBe('CiscoIPPhoneMenu');
    expect(home.title).toBe('Arbeitsplatz D0: frei');
    expect(home.softKeys.map((k) => k.name)).toEqual(['Auswahl', 'Beenden']);
    const times = await p.select(home, 'Diesen Arbeitsplatz jetzt buchen');
    expect(times.title).toBe('Arbeitsplatz D0 buchen');
    expect(times.prompt).toBe('Ab jetzt buchen bis');
    expect(times.items[0]!.name).toBe('09:30 MEZ');
    expect(times.items.at(-1)!.name).toBe('19:00 MEZ');
    const signIn = await p.select(times, '12:00 MEZ');
    expect(signIn.root).toBe('CiscoIPPhoneInput');
    expect(signIn.title).toBe('Buchen bis 12:00 MEZ');
    expect(signIn.inputs.map((i) => [i.displayName, i.param, i.flags])).toEqual([
      ['Benutzer-ID', 'user', 'A'],
      ['PIN', 'pin', 'NP'],
    ]);
    expect(signIn.softKeys.map((k) => k.name)).toEqual(['Senden', '<<', 'Abbruch']);
    const done = await p.submit(signIn, { user: emId(0), pin: PIN });
    expect(done.root).toBe('CiscoIPPhoneText');
    expect(done.title).toBe('Arbeitsplatz D0 gehört Ihnen');
    expect(done.text).toBe(
      'Gebucht und eingecheckt bis 12:00 MEZ, Employee 0. Ihr Telefon meldet Sie jetzt an.',
    );

    const [r] = await bench.db.prisma.reservation.findMany();
    expect(r).toMatchObject({ userId: bench.users[0]!.id, status: 'CHECKED_IN' });
    expect(r!.endsAt.toISOString()).toBe('2026-12-01T11:00:00.000Z');
    expect((await actionsOf(bench, r!.id)).map((a) => a.kind)).toEqual(['LOGIN', 'LOGOUT']);

    const booked = await p.home();
    expect(booked.title).toBe('Arbeitsplatz D0: gebucht');
    expect(booked.items.map((i) => i.name)).toEqual([
      'Employee 0 bis 12:00 MEZ',
      'Meine Buchung: einchecken, verlängern, freigeben',
    ]);
    const manage = await p.softKey(done, 'Buchung');
    expect(manage.prompt).toBe('eingecheckt bis 12:00 MEZ');
    expect(manage.items.map((i) => i.name)).toEqual(['Um 30 Minuten verlängern', 'Um 60 Minuten verlängern']);
    const extended = await p.select(manage, 'Um 30 Minuten verlängern');
    expect(extended.text).toBe('Verlängert: Der Arbeitsplatz gehört Ihnen bis 12:30 MEZ.');
  });

  it('lets the owner check in and release in German; a person who chose English gets English', async () => {
    const service = createBookingService({ prisma: bench.db.prisma, sql: bench.db.sql, clock: bench.clock });
    const actor = actorFor({ ...(await userRow(1)), role: 'EMPLOYEE' });
    const r = await service.book({
      actor,
      userId: actor.id!,
      deskId: bench.desks[1]!.id,
      startsAt: new Date('2026-12-01T08:10:00Z'),
      endsAt: new Date('2026-12-01T10:00:00Z'),
    });
    const p = phone(1);
    const home = await p.home();
    expect(home.items[0]!.name).toBe('Employee 1 ab 09:10 MEZ');
    const signIn = await p.select(home, /^Meine Buchung/);
    expect(signIn.title).toBe('Arbeitsplatz D1: meine Buchung');
    expect(signIn.prompt).toBe('Ihre Benutzer-ID und Roost-PIN');
    const menu = await p.submit(signIn, { user: emId(1), pin: PIN });
    expect(menu.prompt).toBe('gebucht bis 11:00 MEZ');
    expect(menu.items.map((i) => i.name)).toEqual([
      'Einchecken',
      'Um 30 Minuten verlängern',
      'Um 60 Minuten verlängern',
    ]);
    const checkedIn = await p.select(menu, 'Einchecken');
    expect(checkedIn.text).toBe('Eingecheckt. Der Arbeitsplatz gehört Ihnen bis 11:00 MEZ.');
    await bench.at('2026-12-01T08:12:00Z');
    const again = await p.submit(signIn, { user: emId(1), pin: PIN });
    const released = await p.select(again, 'Arbeitsplatz jetzt freigeben');
    expect(released.text).toBe('Arbeitsplatz freigegeben. Ihr Telefon meldet Sie jetzt ab. Vielen Dank!');
    expect((await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).status).toBe(
      'RELEASED',
    );

    // Someone else, who chose English, at the same German desk: English once identified.
    const other = await p.submit(signIn, { user: emId(2), pin: PIN });
    expect(other.root).toBe('CiscoIPPhoneText');
    expect(other.text).toBe('You have no booking at Desk D1 now. Book it from the desk screen.');
    expect(other.softKeys.map((k) => k.name)).toEqual(['Desk', 'Exit']);
  });

  it('a wrong PIN answers with a German title on a German site', async () => {
    const p = phone(0);
    const signIn = await p.get(`/phone/manage/sign-in?device=${p.device}`);
    const refused = await p.submit(signIn, { user: emId(0), pin: '918273' });
    expect(refused.root).toBe('CiscoIPPhoneText');
    expect(refused.title).toBe('Nicht angemeldet');
    expect(refused.softKeys.map((k) => k.name)).toEqual(['Platz', 'Beenden']);
  });
});
