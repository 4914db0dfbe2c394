import { describe, expect, it } from 'vitest';
import {
  WallTimeError,
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
