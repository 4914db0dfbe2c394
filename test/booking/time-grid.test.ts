import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, searchWindowViolations } from '../../src/booking/booking-rules.js';
import {
  bookNowWindow,
  extendDefault,
  latestEndFor,
  TIME_GRID_MINUTES,
} from '../../src/booking/time-grid.js';
import { TIME_INPUT_PATTERN } from '../../src/i18n/form-input.js';
import { formatLocalTime, minuteOfLocalDay } from '../../src/time/zones.js';

const BERLIN = 'Europe/Berlin';
const policy = {
  ...DEFAULT_POLICY,
  workdayStartMinute: 7 * 60,
  workdayEndMinute: 20 * 60,
  maxBookingMinutes: 600,
};

describe('book now', () => {
  it('starts at the current minute and offers only ends on the grid that the rules allow', () => {
    const now = new Date('2026-12-02T07:51:30Z'); // 08:51 CET, Wednesday
    const w = bookNowWindow(policy, BERLIN, now);
    if (!w.open) throw new Error('expected open');
    expect(w.startsAt.toISOString()).toBe('2026-12-02T07:51:00.000Z');
    expect(formatLocalTime(BERLIN, w.ends[0]!)).toBe('09:15'); // at least one grid step away
    expect(formatLocalTime(BERLIN, w.defaultEnd)).toBe('18:45'); // 10 h limit, floored to the grid
    for (const end of w.ends) {
      expect(minuteOfLocalDay(BERLIN, end) % TIME_GRID_MINUTES).toBe(0);
      expect(new RegExp(TIME_INPUT_PATTERN).test(formatLocalTime(BERLIN, end))).toBe(true);
      expect(
        searchWindowViolations({ policy, zone: BERLIN, startsAt: w.startsAt, endsAt: end, now }),
      ).toEqual([]);
    }
  });

  it('is closed on a closed day and before working hours, saying which rule', () => {
    const saturday = bookNowWindow(policy, BERLIN, new Date('2026-12-05T10:00:00Z'));
    expect(saturday).toMatchObject({ open: false, violation: { rule: 'not-a-working-day' } });
    const early = bookNowWindow(policy, BERLIN, new Date('2026-12-02T04:00:00Z')); // 05:00
    expect(early).toMatchObject({ open: false, violation: { rule: 'outside-working-hours' } });
    const lastMinutes = bookNowWindow(policy, BERLIN, new Date('2026-12-02T18:50:00Z')); // 19:50
    expect(lastMinutes).toMatchObject({ open: false, violation: { rule: 'outside-working-hours' } });
  });

  it('on the spring-forward day counts real hours and stays on local quarter hours', () => {
    const everyDay = {
      ...policy,
      workingDays: [1, 2, 3, 4, 5, 6, 7],
      workdayStartMinute: 0,
      maxBookingMinutes: 180,
    };
    const w = bookNowWindow(everyDay, BERLIN, new Date('2027-03-28T00:45:00Z')); // 01:45 CET
    if (!w.open) throw new Error('expected open');
    // 3 real hours from 01:45 CET end at 05:45 CEST (02:00–03:00 does not exist).
    expect(formatLocalTime(BERLIN, w.defaultEnd)).toBe('05:45');
    expect(w.ends.map((e) => formatLocalTime(BERLIN, e)).slice(0, 2)).toEqual(['03:00', '03:15']);
  });
});

describe('extend default', () => {
  it('is an hour later on the grid, within the policy', () => {
    const booking = { startsAt: new Date('2026-12-02T07:02:00Z'), endsAt: new Date('2026-12-02T09:00:00Z') };
    const latest = latestEndFor(policy, BERLIN, booking.startsAt);
    expect(formatLocalTime(BERLIN, latest)).toBe('18:02');
    expect(formatLocalTime(BERLIN, extendDefault(BERLIN, booking, latest)!)).toBe('11:00');
  });

  it('near the limit offers the last grid time, and the latest end itself when no grid time is left', () => {
    const booking = { startsAt: new Date('2026-12-02T07:02:00Z'), endsAt: new Date('2026-12-02T16:30:00Z') };
    const latest = latestEndFor(policy, BERLIN, booking.startsAt); // 18:02
    expect(formatLocalTime(BERLIN, extendDefault(BERLIN, booking, latest)!)).toBe('18:00');
    const almost = { ...booking, endsAt: new Date('2026-12-02T17:01:00Z') }; // 18:01
    expect(formatLocalTime(BERLIN, extendDefault(BERLIN, almost, latest)!)).toBe('18:02');
    expect(extendDefault(BERLIN, { endsAt: latest }, latest)).toBeNull();
  });
});
