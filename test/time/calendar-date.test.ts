import { describe, expect, it } from 'vitest';
import { parseCalendarDate, wallTimeEndToInstant, WallTimeError } from '../../src/time/zones.js';

describe('parseCalendarDate', () => {
  it.each(['2026-02-30', '0000-01-01', '9999-12-31', '2026-13-01', '26-01-01'])('refuses %s', (text) => {
    expect(() => parseCalendarDate(text)).toThrow(WallTimeError);
  });
  it('keeps a real day, including the last day a next midnight exists for', () => {
    expect(parseCalendarDate('2028-02-29')).toBe('2028-02-29');
    expect(parseCalendarDate('2998-12-31')).toBe('2998-12-31');
  });
});

describe('the midnight end rule (wallTimeEndToInstant)', () => {
  const zone = 'Europe/Berlin';
  it('reads 24:00 as the next midnight, across a DST change (25-hour day)', () => {
    expect(wallTimeEndToInstant(zone, '2026-10-25', '24:00').toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });
  it('reads 00:00 as the next midnight only where a page asks for that', () => {
    expect(wallTimeEndToInstant(zone, '2026-12-01', '00:00', { zeroIsMidnight: true }).toISOString()).toBe(
      '2026-12-01T23:00:00.000Z',
    );
    expect(wallTimeEndToInstant(zone, '2026-12-01', '00:00').toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});
