import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../src/i18n/render-message.js';
import {
  DEFAULT_POLICY,
  checkBookingRules,
  bookableDateRange,
  checkInWindow,
  defaultSearchTimes,
  describeWorkingDays,
  isInCheckInWindow,
  localRange,
  overlaps,
  searchWindowViolations,
  seriesDates,
  suggestedDate,
  type BookingFacts,
  type Policy,
  type RuleId,
} from '../../src/booking/booking-rules.js';
import { RoostError } from '../../src/errors.js';

const BERLIN = 'Europe/Berlin';
// Tuesday 1 Dec 2026, 08:00 in Berlin (CET, UTC+1).
const NOW = new Date('2026-12-01T07:00:00Z');

function facts(overrides: Partial<BookingFacts> & { range?: [string, string] } = {}): BookingFacts {
  const [from, to] = overrides.range ?? ['2026-12-02T09:00', '2026-12-02T17:00'];
  const zone = overrides.zone ?? BERLIN;
  const { startsAt, endsAt } = localRange(zone, from.slice(0, 10), from.slice(11), to.slice(11));
  return {
    policy: DEFAULT_POLICY,
    zone,
    startsAt,
    endsAt,
    now: NOW,
    desk: { label: '1.05', bookable: true },
    otherBookingsThatDay: 0,
    ...overrides,
  };
}

const rules = (f: BookingFacts): RuleId[] => checkBookingRules(f).map((v) => v.rule);

describe('checkBookingRules: one boundary table per rule (Europe/Berlin, default policy)', () => {
  it.each<[string, Partial<BookingFacts> & { range?: [string, string] }, RuleId[]]>([
    ['an ordinary working day booking', {}, []],
    // in-the-past: the current minute still counts as now.
    [
      'a start in the current minute',
      { range: ['2026-12-01T08:00', '2026-12-01T12:00'], now: new Date('2026-12-01T07:00:45Z') },
      [],
    ],
    [
      'a start one minute ago',
      { range: ['2026-12-01T08:00', '2026-12-01T12:00'], now: new Date('2026-12-01T07:01:00Z') },
      ['in-the-past'],
    ],
    // too-far-ahead: 28 days after 1 Dec is 29 Dec (a Tuesday).
    ['the last bookable day', { range: ['2026-12-29T09:00', '2026-12-29T10:00'] }, []],
    ['one day too far ahead', { range: ['2026-12-30T09:00', '2026-12-30T10:00'] }, ['too-far-ahead']],
    // too-long: 600 minutes.
    ['exactly the maximum length', { range: ['2026-12-02T08:00', '2026-12-02T18:00'] }, []],
    ['one minute too long', { range: ['2026-12-02T08:00', '2026-12-02T18:01'] }, ['too-long']],
    // outside-working-hours: 07:00-20:00.
    ['starting at the opening minute', { range: ['2026-12-02T07:00', '2026-12-02T12:00'] }, []],
    [
      'starting a minute before opening',
      { range: ['2026-12-02T06:59', '2026-12-02T12:00'] },
      ['outside-working-hours'],
    ],
    ['ending at closing time', { range: ['2026-12-02T12:00', '2026-12-02T20:00'] }, []],
    [
      'ending a minute after closing',
      { range: ['2026-12-02T12:00', '2026-12-02T20:01'] },
      ['outside-working-hours'],
    ],
    // not-a-working-day: Saturday 5 Dec, Monday 7 Dec.
    ['a Saturday', { range: ['2026-12-05T09:00', '2026-12-05T12:00'] }, ['not-a-working-day']],
    ['a Monday', { range: ['2026-12-07T09:00', '2026-12-07T12:00'] }, []],
    // daily-limit: one booking per day by default.
    ['no other booking that day', { otherBookingsThatDay: 0 }, []],
    ['already one booking that day', { otherBookingsThatDay: 1 }, ['daily-limit']],
    [
      'two allowed, one held',
      { otherBookingsThatDay: 1, policy: { ...DEFAULT_POLICY, maxBookingsPerDay: 2 } },
      [],
    ],
    // desk-not-bookable.
    ['a desk out of use', { desk: { label: '1.05', bookable: false } }, ['desk-not-bookable']],
    // several at once, in a fixed order.
    [
      'a long Saturday night far ahead on a closed desk',
      { range: ['2027-01-09T05:00', '2027-01-09T22:00'], desk: { label: 'X', bookable: false } },
      ['desk-not-bookable', 'too-far-ahead', 'too-long', 'not-a-working-day', 'outside-working-hours'],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(rules(facts(overrides))).toEqual(expected);
  });

  it('says how to comply in every message', () => {
    const messages = checkBookingRules(
      facts({
        range: ['2027-01-09T05:00', '2027-01-09T22:00'],
        desk: { label: '1.05', bookable: false },
        otherBookingsThatDay: 1,
      }),
    ).map((v) => renderMessage('en', v.message));
    expect(messages).toEqual([
      expect.stringMatching(/Desk 1\.05 cannot be booked.*Choose another desk/),
      expect.stringMatching(/at most 28 days ahead\. Choose a day on or before Tue 29 Dec 2026/),
      expect.stringMatching(/at most 10 h; this one lasts 17 h/),
      expect.stringMatching(/Sat 9 Jan 2027 is not a working day.*Monday to Friday/),
      expect.stringMatching(/07:00–20:00 CET.*Start at 07:00 or later and end by 20:00/),
      expect.stringMatching(/1 booking per day and already have 1 on Sat 9 Jan 2027/),
    ]);
  });

  it('counts the last day ahead in the site zone, not in UTC', () => {
    // 23:30 on 1 Dec in Berlin is still 1 Dec there but 22:30Z; 2 Dec in Tokyo.
    const lateNow = new Date('2026-12-01T22:30:00Z');
    const f = facts({ now: lateNow, range: ['2026-12-29T09:00', '2026-12-29T10:00'] });
    expect(rules(f)).toEqual([]);
  });
});

/** A policy without calendar limits, so only the clock change matters. */
const allDay: Policy = {
  ...DEFAULT_POLICY,
  workdayStartMinute: 0,
  workdayEndMinute: 1440,
  workingDays: [1, 2, 3, 4, 5, 6, 7],
  maxDaysAhead: 400,
  maxBookingMinutes: 6 * 60,
};

describe.each([
  // zone, spring-forward day, time in the gap, fall-back day
  ['Europe/Berlin', '2026-03-29', '02:30', '2026-10-25'],
  ['America/New_York', '2026-03-08', '02:30', '2026-11-01'],
  ['Australia/Sydney', '2026-10-04', '02:30', '2026-04-05'],
])('DST in %s', (zone, springDay, gapTime, fallDay) => {
  const early = new Date('2026-01-01T00:00:00Z');
  const at = (date: string, from: string, to: string) =>
    facts({ zone, policy: allDay, now: early, range: [`${date}T${from}`, `${date}T${to}`] });

  it('a 00:00–06:00 booking on the spring-forward day really lasts 5 hours and fits a 6-hour limit', () => {
    const f = at(springDay, '00:00', '06:00');
    expect(f.endsAt.getTime() - f.startsAt.getTime()).toBe(5 * 3_600_000);
    expect(rules(f)).toEqual([]);
  });

  it('a 00:00–06:00 booking on the fall-back day really lasts 7 hours and breaks a 6-hour limit', () => {
    const f = at(fallDay, '00:00', '06:00');
    expect(f.endsAt.getTime() - f.startsAt.getTime()).toBe(7 * 3_600_000);
    const violations = checkBookingRules(f);
    expect(violations.map((v) => v.rule)).toEqual(['too-long']);
    expect(renderMessage('en', violations[0]!.message)).toMatch(/this one lasts 7 h/);
  });

  it('refuses a start inside the skipped hour as invalid input naming the gap', () => {
    let caught: unknown;
    try {
      localRange(zone, springDay, gapTime, '06:00');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RoostError);
    expect((caught as RoostError).code).toBe('INVALID_INPUT');
    expect((caught as RoostError).message).toMatch(/does not exist in .*daylight saving/);
  });

  it('accepts the first minute after the gap', () => {
    expect(() => localRange(zone, springDay, '03:00', '06:00')).not.toThrow();
  });

  it('applies working hours to wall time on the change day', () => {
    const policy = {
      ...allDay,
      workdayStartMinute: 7 * 60,
      workdayEndMinute: 20 * 60,
      maxBookingMinutes: 900,
    };
    const ok = facts({ zone, policy, now: early, range: [`${fallDay}T07:00`, `${fallDay}T20:00`] });
    const late = facts({ zone, policy, now: early, range: [`${fallDay}T07:00`, `${fallDay}T20:30`] });
    expect(rules(ok)).toEqual([]);
    expect(rules(late)).toEqual(['outside-working-hours']);
  });
});

describe('localRange', () => {
  it('refuses an end before the start', () => {
    expect(() => localRange(BERLIN, '2026-12-02', '12:00', '11:00')).toThrow(/end time must be after/);
  });
  it('reads 24:00 as the next midnight', () => {
    const { endsAt } = localRange(BERLIN, '2026-12-02', '12:00', '24:00');
    expect(endsAt.toISOString()).toBe('2026-12-02T23:00:00.000Z');
  });
  it('refuses text that is not a time', () => {
    expect(() => localRange(BERLIN, '2026-12-02', 'noon', '13:00')).toThrow(RoostError);
  });
});

describe('check-in window', () => {
  const booking = { startsAt: new Date('2026-12-02T08:00:00Z'), endsAt: new Date('2026-12-02T16:00:00Z') };
  const window = checkInWindow(DEFAULT_POLICY, booking);
  it.each([
    ['15 min before start', '2026-12-02T07:45:00Z', true],
    ['16 min before start', '2026-12-02T07:44:00Z', false],
    ['29 min after start', '2026-12-02T08:29:00Z', true],
    ['30 min after start', '2026-12-02T08:30:00Z', false],
  ])('%s', (_name, at, open) => {
    expect(isInCheckInWindow(window, new Date(at))).toBe(open);
  });
  it('never stays open past the end of a short booking', () => {
    const short = checkInWindow(DEFAULT_POLICY, {
      startsAt: booking.startsAt,
      endsAt: new Date('2026-12-02T08:10:00Z'),
    });
    expect(short.closesAt.toISOString()).toBe('2026-12-02T08:10:00.000Z');
  });
});

describe('overlaps (half-open)', () => {
  const d = (h: number) => new Date(Date.UTC(2026, 11, 2, h));
  it.each([
    [8, 10, 10, 12, false],
    [8, 10, 9, 12, true],
    [8, 12, 9, 10, true],
    [10, 12, 8, 10, false],
  ])('[%i,%i) vs [%i,%i) -> %s', (a, b, c, e, expected) => {
    expect(overlaps(d(a), d(b), d(c), d(e))).toBe(expected);
  });
});

describe('series and suggestions', () => {
  it('every Tuesday and Thursday for four weeks', () => {
    expect(seriesDates('2026-11-30', [2, 4], 4)).toEqual([
      '2026-12-01',
      '2026-12-03',
      '2026-12-08',
      '2026-12-10',
      '2026-12-15',
      '2026-12-17',
      '2026-12-22',
      '2026-12-24',
    ]);
  });
  it('suggests today during working hours and the next working day after them', () => {
    expect(suggestedDate(DEFAULT_POLICY, BERLIN, new Date('2026-12-01T08:00:00Z'))).toBe('2026-12-01');
    expect(suggestedDate(DEFAULT_POLICY, BERLIN, new Date('2026-12-04T19:30:00Z'))).toBe('2026-12-07');
  });
  it('skips days on which the person already holds their daily bookings, within the horizon', () => {
    // Friday 20:30: Monday is next; Ada already has Monday and Tuesday, so Wednesday.
    const fridayEvening = new Date('2026-12-04T19:30:00Z');
    expect(suggestedDate(DEFAULT_POLICY, BERLIN, fridayEvening, new Set(['2026-12-07', '2026-12-08']))).toBe(
      '2026-12-09',
    );
    // Every bookable day full: still a working day, and the page then says why.
    const short = { ...DEFAULT_POLICY, maxDaysAhead: 1 };
    expect(
      suggestedDate(short, BERLIN, new Date('2026-12-01T08:00:00Z'), new Set(['2026-12-01', '2026-12-02'])),
    ).toBe('2026-12-01');
  });
  it('describes working days readably', () => {
    expect(renderMessage('en', describeWorkingDays([1, 2, 3, 4, 5]))).toBe('Monday to Friday');
    expect(renderMessage('en', describeWorkingDays([1, 3, 5]))).toBe('Monday, Wednesday and Friday');
    expect(renderMessage('de', describeWorkingDays([1, 2, 3, 4, 5]))).toBe('Montag bis Freitag');
    expect(renderMessage('de', describeWorkingDays([1, 3, 5]))).toBe('Montag, Mittwoch und Freitag');
  });
});

describe('search defaults follow the rules (the first Reserve click succeeds)', () => {
  const TEN_HOURS: Policy = { ...DEFAULT_POLICY, maxBookingMinutes: 600 };

  it('caps the default window at the longest booking allowed', () => {
    // Tuesday 08:14 in Berlin: from the next quarter hour for 10 h, not to 20:00 (12 h).
    expect(defaultSearchTimes(TEN_HOURS, BERLIN, '2026-12-01', new Date('2026-12-01T07:14:00Z'))).toEqual({
      start: '08:15',
      end: '18:15',
    });
    // A later day starts with working hours.
    expect(defaultSearchTimes(TEN_HOURS, BERLIN, '2026-12-02', new Date('2026-12-01T07:14:00Z'))).toEqual({
      start: '07:00',
      end: '17:00',
    });
    // Late in the day the window runs to the end of working hours.
    expect(defaultSearchTimes(TEN_HOURS, BERLIN, '2026-12-01', new Date('2026-12-01T16:20:00Z'))).toEqual({
      start: '17:30',
      end: '20:00',
    });
  });

  it('measures the length in real time on DST days and skips a start inside the gap', () => {
    const early: Policy = {
      ...DEFAULT_POLICY,
      workdayStartMinute: 120,
      workdayEndMinute: 1440,
      maxBookingMinutes: 240,
    };
    // 28 Mar 2027: 02:00–03:00 does not exist in Berlin; 03:00 CEST is the first start, 4 h later is 07:00.
    expect(defaultSearchTimes(early, BERLIN, '2027-03-28', new Date('2027-03-20T12:00:00Z'))).toEqual({
      start: '03:00',
      end: '07:00',
    });
    // 31 Oct 2027: 02:00–03:00 happens twice; 4 h of real time from 01:00 ends at 04:00 wall time.
    const night: Policy = { ...early, workdayStartMinute: 60 };
    expect(defaultSearchTimes(night, BERLIN, '2027-10-31', new Date('2027-10-20T12:00:00Z'))).toEqual({
      start: '01:00',
      end: '04:00',
    });
  });

  it('offers dates from today to the horizon', () => {
    expect(bookableDateRange(DEFAULT_POLICY, BERLIN, NOW)).toEqual({ min: '2026-12-01', max: '2026-12-29' });
  });

  it('explains a search no desk can satisfy: a closed day, a past time, beyond the horizon', () => {
    const window = (date: string, start: string, end: string) => {
      const { startsAt, endsAt } = localRange(BERLIN, date, start, end);
      return searchWindowViolations({ policy: TEN_HOURS, zone: BERLIN, startsAt, endsAt, now: NOW }).map(
        (v) => v.rule,
      );
    };
    expect(window('2026-12-05', '09:00', '17:00')).toEqual(['not-a-working-day']);
    expect(window('2026-12-01', '07:00', '09:00')).toEqual(['in-the-past']);
    expect(window('2027-03-02', '09:00', '17:00')).toEqual(['too-far-ahead']);
    expect(window('2026-12-02', '09:00', '17:00')).toEqual([]);
  });

  // Every hour of a year, in zones east and west, with short and long policies: the suggested
  // day and its default times always form a booking that no rule refuses.
  it.each([
    ['Europe/Berlin', TEN_HOURS],
    [
      'America/New_York',
      { ...DEFAULT_POLICY, maxBookingMinutes: 240, workdayStartMinute: 480, workdayEndMinute: 1080 },
    ],
    [
      'Australia/Lord_Howe',
      { ...DEFAULT_POLICY, workdayStartMinute: 0, workdayEndMinute: 1440, maxBookingMinutes: 1440 },
    ],
  ] as const)('in %s the defaults are always bookable', (zone, policy) => {
    const start = Date.parse('2027-01-01T00:00:00Z');
    for (let hour = 0; hour < 365 * 24; hour += 23) {
      const now = new Date(start + hour * 3_600_000 + 11 * 60_000);
      const date = suggestedDate(policy, zone, now);
      const times = defaultSearchTimes(policy, zone, date, now);
      const { startsAt, endsAt } = localRange(zone, date, times.start, times.end);
      expect(
        searchWindowViolations({ policy, zone, startsAt, endsAt, now }),
        `${now.toISOString()} ${date} ${times.start}-${times.end}`,
      ).toEqual([]);
    }
  });
});
