import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DAY_MS, MINUTE_MS } from '../../src/time/clock.js';
import {
  WallTimeError,
  addDays,
  isoWeekday,
  luxonZone,
  parseWallTime,
  shortZoneName,
  wallTimeToInstant,
  zoneLabel,
} from '../../src/time/zones.js';

const instant = (zone: string, date: string, time: string) =>
  wallTimeToInstant(zone, parseWallTime(date, time)).toISOString();

describe('wall time to UTC instants', () => {
  it.each([
    ['Europe/Berlin', '2026-12-01', '09:00', '2026-12-01T08:00:00.000Z'],
    ['Europe/Berlin', '2026-07-01', '09:00', '2026-07-01T07:00:00.000Z'],
    ['America/New_York', '2026-12-01', '09:00', '2026-12-01T14:00:00.000Z'],
    ['Australia/Sydney', '2026-12-01', '09:00', '2026-11-30T22:00:00.000Z'],
  ])('%s %s %s is %s', (zone, date, time, expected) => {
    expect(instant(zone, date, time)).toBe(expected);
  });

  it.each([
    ['Europe/Berlin', '2026-03-29', '02:30'],
    ['America/New_York', '2026-03-08', '02:15'],
    ['Australia/Sydney', '2026-10-04', '02:00'],
  ])('refuses %s %s %s, which the clocks skip', (zone, date, time) => {
    expect(() => instant(zone, date, time)).toThrow(WallTimeError);
    expect(() => instant(zone, date, time)).toThrow(/does not exist in/);
  });

  it.each([
    // Repeated hour: the first occurrence (summer time, the earlier instant) is meant.
    ['Europe/Berlin', '2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'],
    ['America/New_York', '2026-11-01', '01:30', '2026-11-01T05:30:00.000Z'],
    ['Australia/Sydney', '2026-04-05', '02:30', '2026-04-04T15:30:00.000Z'],
  ])('takes the earlier instant of a repeated %s %s %s', (zone, date, time, expected) => {
    expect(instant(zone, date, time)).toBe(expected);
  });

  it('gives a booking across a change its real length', () => {
    const start = wallTimeToInstant('Europe/Berlin', parseWallTime('2026-03-29', '00:00'));
    const end = wallTimeToInstant('Europe/Berlin', parseWallTime('2026-03-29', '06:00'));
    expect((end.getTime() - start.getTime()) / 3_600_000).toBe(5);
  });

  it('refuses impossible dates and unknown zones with a clear message', () => {
    expect(() => instant('Europe/Berlin', '2026-02-30', '09:00')).toThrow(/not a valid date/);
    expect(() => instant('Europe/Berlin', '2026-12-01', '24:00')).toThrow(/not a valid date/);
    expect(() => instant('Mars/Olympus', '2026-12-01', '09:00')).toThrow(/not an IANA time zone/);
    expect(() => parseWallTime('tomorrow', '9am')).toThrow(/YYYY-MM-DD/);
  });

  it('labels times with the zone abbreviation in force', () => {
    expect(zoneLabel('Europe/Berlin', new Date('2026-12-01T08:00:00Z'))).toBe('CET');
    expect(zoneLabel('Europe/Berlin', new Date('2026-07-01T08:00:00Z'))).toBe('CEST');
    expect(zoneLabel('America/New_York', new Date('2026-07-01T08:00:00Z'))).toBe('EDT');
  });

  it('names the zone by the offset in force at each instant, asked again across the change (names are kept)', () => {
    // The hour before and after the clocks go forward in Berlin (01:00 UTC on 28 March 2027),
    // each asked twice and interleaved, in English and German.
    const before = new Date('2027-03-28T00:59:00Z');
    const after = new Date('2027-03-28T01:00:00Z');
    const asked = [before, after, before, after].map((at) => [
      zoneLabel('Europe/Berlin', at),
      shortZoneName('Europe/Berlin', at, 'de-DE'),
    ]);
    expect(asked).toEqual([
      ['CET', 'MEZ'],
      ['CEST', 'MESZ'],
      ['CET', 'MEZ'],
      ['CEST', 'MESZ'],
    ]);
    // Zones at the same offset keep their own names.
    const july = new Date('2027-07-01T12:00:00Z');
    expect(['Europe/London', 'Europe/Paris', 'Africa/Lagos'].map((z) => zoneLabel(z, july))).toEqual([
      'BST',
      'CEST',
      'Africa/Lagos',
    ]);
  });
});

describe('the zone luxon is given (luxonZone)', () => {
  // Each zone changes its offset in its own way: by an hour, by half an hour (Lord Howe), at
  // quarter-hour offsets (Kathmandu), south of the equator (Sydney) or not at all any more.
  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'Australia/Sydney',
  ];

  it('gives the offsets luxon itself gives, at every quarter hour of a year and around each change', () => {
    for (const zone of zones) {
      const plain = IANAZone.create(zone);
      const remembering = luxonZone(zone);
      expect(typeof remembering).not.toBe('string');
      const start = Date.UTC(2026, 0, 1);
      for (let ts = start; ts < start + 366 * DAY_MS; ts += 15 * MINUTE_MS) {
        // Asked twice: the second answer comes from what the zone remembered.
        for (const ask of [1, 2]) {
          const got = DateTime.fromMillis(ts, { zone: remembering });
          expect({ ask, ts, offset: got.offset }).toEqual({ ask, ts, offset: plain.offset(ts) });
        }
      }
    }
  });

  it('converts wall times across a change as before: the gap refused, the repeated hour its first instant', () => {
    expect(() =>
      wallTimeToInstant('Europe/Berlin', { year: 2026, month: 3, day: 29, hour: 2, minute: 30 }),
    ).toThrow(WallTimeError);
    const repeated = wallTimeToInstant('Europe/Berlin', {
      year: 2026,
      month: 10,
      day: 25,
      hour: 2,
      minute: 30,
    });
    expect(repeated.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(
      wallTimeToInstant('Europe/Berlin', {
        year: 2026,
        month: 10,
        day: 25,
        hour: 3,
        minute: 30,
      }).toISOString(),
    ).toBe('2026-10-25T02:30:00.000Z');
  });

  it('leaves UTC and names that are no zone to luxon', () => {
    expect(luxonZone('UTC')).toBe('UTC');
    expect(luxonZone('Fantasia/Castle')).toBe('Fantasia/Castle');
    expect(DateTime.fromMillis(0, { zone: luxonZone('Fantasia/Castle') }).isValid).toBe(false);
  });
});

describe('calendar arithmetic on dates (addDays, isoWeekday)', () => {
  const luxonAddDays = (date: string, days: number) =>
    DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate();

  it('agrees with luxon on every day of 1999-2031 and at the ends of the years allowed', () => {
    const days: string[] = [];
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2032, 0, 1); ms += DAY_MS)
      days.push(new Date(ms).toISOString().slice(0, 10));
    days.push('1900-01-01', '1900-03-01', '2000-02-29', '2100-02-28', '2998-12-31');
    for (const date of days) {
      expect({ date, weekday: isoWeekday(date) }).toEqual({
        date,
        weekday: DateTime.fromISO(date, { zone: 'UTC' }).weekday,
      });
      for (const n of [-400, -31, -1, 0, 1, 14, 29, 366])
        expect({ date, n, got: addDays(date, n) }).toEqual({ date, n, got: luxonAddDays(date, n) });
    }
  });

  it('crosses month ends, leap days and DST changes as calendar days', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(isoWeekday('2026-12-06')).toBe(7);
    expect(isoWeekday('2026-12-07')).toBe(1);
  });
});
