import { Db } from '../db/database.js';
import { dayIn, invalidInput, listOf, msg, timeIn, zoneAt, type Message } from '../errors.js';
import { DAY_MS, MINUTE_MS } from '../time/clock.js';
import {
  addDays,
  isoWeekday,
  localDate,
  minuteOfLocalDay,
  parseWallTime,
  startOfLocalDay,
  wallTimeToInstant,
  WallTimeError,
} from '../time/zones.js';

/**
 * A site's booking rules as pure functions: no I/O, no clock. The service gathers the
 * facts (policy, zone, now, how many bookings the person already has that day) and
 * gets back every rule the booking breaks, each with a message that says how to comply.
 *
 * Overlap (one desk, one person at a time) is not here: it is the exclusion
 * constraint's job and answers as a conflict, not as a rule.
 */
export type RuleId =
  | 'in-the-past'
  | 'too-far-ahead'
  | 'too-long'
  | 'outside-working-hours'
  | 'not-a-working-day'
  | 'daily-limit'
  | 'desk-not-bookable';

export interface RuleViolation {
  rule: RuleId;
  /** What the rule asks for, in the catalogue (web/ says it in the reader's language). */
  message: Message;
}

/** The fields of BookingPolicy the rules read. */
export interface Policy {
  maxDaysAhead: number;
  maxBookingMinutes: number;
  maxBookingsPerDay: number;
  workdayStartMinute: number;
  workdayEndMinute: number;
  workingDays: number[];
  checkInOpensMinutesBefore: number;
  checkInClosesMinutesAfter: number;
}

/** What a site without a BookingPolicy row gets: the schema's defaults. */
export const DEFAULT_POLICY: Readonly<Policy> = Object.freeze({
  maxDaysAhead: 28,
  maxBookingMinutes: 600,
  maxBookingsPerDay: 1,
  workdayStartMinute: 420,
  workdayEndMinute: 1200,
  workingDays: [1, 2, 3, 4, 5],
  checkInOpensMinutesBefore: 15,
  checkInClosesMinutesAfter: 30,
});

const POLICY_FIELDS = Object.keys(DEFAULT_POLICY) as (keyof Policy)[];

/**
 * Rules staff may waive when booking for someone else (`enforcePolicy: false`): the
 * ones about the calendar and the person's quota. Never waived: a start in the past
 * (the phone could not be logged in for time already gone) and a desk facilities have
 * taken out of use (make it bookable first).
 */
export const STAFF_WAIVABLE_RULES: ReadonlySet<RuleId> = new Set([
  'too-far-ahead',
  'too-long',
  'outside-working-hours',
  'not-a-working-day',
  'daily-limit',
]);

export interface BookingFacts {
  policy: Policy;
  /** The site's IANA zone. */
  zone: string;
  startsAt: Date;
  endsAt: Date;
  now: Date;
  desk: { label: string; bookable: boolean };
  /**
   * The person's other active bookings that start on the same local day (site zone),
   * not counting the one being checked (an extension re-checks its own booking).
   */
  otherBookingsThatDay: number;
}

/** Catalogue keys of the weekdays' names, ISO numbering (1 = Monday). */
const WEEKDAY_KEYS = [
  'series.weekday.1',
  'series.weekday.2',
  'series.weekday.3',
  'series.weekday.4',
  'series.weekday.5',
  'series.weekday.6',
  'series.weekday.7',
];

export const formatMinuteOfDay = (minute: number) =>
  `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** "10 h", "1 h 30 min", "45 min" (the same in English and German). */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / MINUTE_MS);
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "Monday to Friday", "Monday, Wednesday and Friday" (as a Message, for any language). */
export function describeWorkingDays(days: number[]): Message {
  const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (sorted.length === 0) return msg('problem.rules.noWorkingDay');
  const name = (d: number) => msg(WEEKDAY_KEYS[d - 1]!);
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1]! + 1);
  if (contiguous && sorted.length >= 3)
    return msg('problem.rules.dayRange', { from: name(sorted[0]!), to: name(sorted.at(-1)!) });
  return msg('problem.rules.days', { days: listOf(sorted.map(name), 'and') });
}

/** A local date (yyyy-mm-dd) as a day people read, in the zone. */
const dayOf = (zone: string, date: string) => dayIn(zone, startOfLocalDay(zone, date));

/** The last local date a booking may start on, given today's local date. */
export function lastBookableDate(policy: Policy, zone: string, now: Date): string {
  return addDays(localDate(zone, now), policy.maxDaysAhead);
}

/** Does the booking end within the working day it starts on (local wall time)? */
function endsWithinWorkday(policy: Policy, zone: string, startsAt: Date, endsAt: Date): boolean {
  const startDate = localDate(zone, startsAt);
  const endDate = localDate(zone, endsAt);
  const endMinute = minuteOfLocalDay(zone, endsAt);
  if (endDate === startDate) return endMinute <= policy.workdayEndMinute;
  // Ending exactly at the next midnight is the end of the start day.
  return endDate === addDays(startDate, 1) && endMinute === 0 && policy.workdayEndMinute >= 1440;
}

/** Every rule the booking breaks, in the order a person would fix them. Empty = allowed. */
export function checkBookingRules(facts: BookingFacts): RuleViolation[] {
  const { policy, zone, startsAt, endsAt, now, desk } = facts;
  const violations: RuleViolation[] = [];
  const startDate = localDate(zone, startsAt);

  if (!desk.bookable) {
    violations.push({
      rule: 'desk-not-bookable',
      message: msg('problem.rules.deskNotBookable', { desk: desk.label }),
    });
  }

  // The current minute still counts as now: a form submitted at 10:00:40 for 10:00 is fine.
  const startOfThisMinute = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
  if (startsAt.getTime() < startOfThisMinute) {
    violations.push({
      rule: 'in-the-past',
      message: msg('problem.rules.inThePast', {
        day: dayIn(zone, startsAt),
        time: timeIn(zone, startsAt),
        zone: zoneAt(zone, startsAt),
        earliestDay: dayIn(zone, new Date(startOfThisMinute)),
        earliest: timeIn(zone, new Date(startOfThisMinute)),
      }),
    });
  }

  const lastDate = lastBookableDate(policy, zone, now);
  if (startDate > lastDate) {
    violations.push({
      rule: 'too-far-ahead',
      message: msg('problem.rules.tooFarAhead', { days: policy.maxDaysAhead, last: dayOf(zone, lastDate) }),
    });
  }

  const lengthMs = endsAt.getTime() - startsAt.getTime();
  if (lengthMs > policy.maxBookingMinutes * MINUTE_MS) {
    violations.push({
      rule: 'too-long',
      message: msg('problem.rules.tooLong', {
        max: formatDuration(policy.maxBookingMinutes * MINUTE_MS),
        length: formatDuration(lengthMs),
      }),
    });
  }

  const weekday = isoWeekday(startDate);
  if (!policy.workingDays.includes(weekday)) {
    violations.push({
      rule: 'not-a-working-day',
      message: msg('problem.rules.notAWorkingDay', {
        day: dayOf(zone, startDate),
        days: describeWorkingDays(policy.workingDays),
      }),
    });
  }

  const startMinute = minuteOfLocalDay(zone, startsAt);
  if (startMinute < policy.workdayStartMinute || !endsWithinWorkday(policy, zone, startsAt, endsAt)) {
    violations.push({
      rule: 'outside-working-hours',
      message: msg('problem.rules.outsideWorkingHours', {
        start: formatMinuteOfDay(policy.workdayStartMinute),
        end: formatMinuteOfDay(policy.workdayEndMinute),
        zone: zoneAt(zone, startsAt),
      }),
    });
  }

  if (facts.otherBookingsThatDay >= policy.maxBookingsPerDay) {
    violations.push({
      rule: 'daily-limit',
      message:
        policy.maxBookingsPerDay === 0
          ? msg('problem.rules.closed')
          : msg('problem.rules.dailyLimit', {
              max: policy.maxBookingsPerDay,
              count: facts.otherBookingsThatDay,
              day: dayOf(zone, startDate),
            }),
    });
  }
  return violations;
}

/** The check-in window of a booking: [opensAt, closesAt]; never past the booking's end. */
export function checkInWindow(
  policy: Pick<Policy, 'checkInOpensMinutesBefore' | 'checkInClosesMinutesAfter'>,
  booking: { startsAt: Date; endsAt: Date },
): { opensAt: Date; closesAt: Date } {
  const opensAt = new Date(booking.startsAt.getTime() - policy.checkInOpensMinutesBefore * MINUTE_MS);
  const closesAt = new Date(
    Math.min(
      booking.startsAt.getTime() + policy.checkInClosesMinutesAfter * MINUTE_MS,
      booking.endsAt.getTime(),
    ),
  );
  return { opensAt, closesAt };
}

export const isInCheckInWindow = (window: { opensAt: Date; closesAt: Date }, now: Date) =>
  now >= window.opensAt && now < window.closesAt;

/** Half-open overlap: [a1, a2) and [b1, b2) share an instant. Back-to-back does not. */
export const overlaps = (aStart: Date, aEnd: Date, bStart: Date, bEnd: Date) =>
  aStart < bEnd && bStart < aEnd;

/**
 * The local dates of a weekly series: `weekdays` (ISO, 1 = Monday) in `weeks` weeks
 * counted from `fromDate` (inclusive).
 */
export function seriesDates(fromDate: string, weekdays: number[], weeks: number): string[] {
  const wanted = new Set(weekdays);
  const dates: string[] = [];
  for (let i = 0; i < weeks * 7; i++) {
    const date = addDays(fromDate, i);
    if (wanted.has(isoWeekday(date))) dates.push(date);
  }
  return dates;
}

/**
 * The times a search form offers for `date` when the person has not chosen any: from the
 * start of working hours (or, today, the next quarter hour from now) for as long as one
 * booking may last, never past the end of working hours. So the defaults are always a
 * window the rules allow, and the first Reserve click succeeds.
 *
 * Length is measured in real time, as the too-long rule does: on a DST day a window that
 * spans the change still lasts at most maxBookingMinutes. A start that falls in a DST gap
 * moves to the first quarter hour that exists.
 */
export function defaultSearchTimes(
  policy: Policy,
  zone: string,
  date: string,
  now: Date,
): { start: string; end: string } {
  let startMinute = policy.workdayStartMinute;
  if (date === localDate(zone, now)) {
    startMinute = Math.max(startMinute, Math.ceil(minuteOfLocalDay(zone, now) / 15) * 15);
  }
  startMinute = Math.min(startMinute, policy.workdayEndMinute - 15);
  let startsAt: Date | undefined;
  for (; startMinute < policy.workdayEndMinute; startMinute += 15) {
    try {
      startsAt = wallTimeToInstant(zone, parseWallTime(date, formatMinuteOfDay(startMinute)));
      break;
    } catch (e) {
      if (!(e instanceof WallTimeError)) throw e;
    }
  }
  const workdayEnd =
    policy.workdayEndMinute >= 1440
      ? startOfLocalDay(zone, addDays(date, 1))
      : wallTimeToInstant(zone, parseWallTime(date, formatMinuteOfDay(policy.workdayEndMinute)));
  if (!startsAt)
    return { start: formatMinuteOfDay(startMinute), end: formatEndMinute(policy.workdayEndMinute) };
  const latest = Math.min(startsAt.getTime() + policy.maxBookingMinutes * MINUTE_MS, workdayEnd.getTime());
  if (latest === workdayEnd.getTime()) {
    return { start: formatMinuteOfDay(startMinute), end: formatEndMinute(policy.workdayEndMinute) };
  }
  // Down to the quarter hour, so the end sits on the inputs' 15-minute grid.
  const endMinute = Math.floor(minuteOfLocalDay(zone, new Date(latest)) / 15) * 15;
  return { start: formatMinuteOfDay(startMinute), end: formatMinuteOfDay(endMinute) };
}

const formatEndMinute = (minute: number) => (minute >= 1440 ? '24:00' : formatMinuteOfDay(minute));

/** The dates a search form may offer: today up to the booking horizon (local dates). */
export function bookableDateRange(policy: Policy, zone: string, now: Date): { min: string; max: string } {
  return { min: localDate(zone, now), max: lastBookableDate(policy, zone, now) };
}

/**
 * The rules a search window breaks whatever desk is chosen: past, beyond the horizon,
 * too long, a closed day, outside working hours. A search page shows these instead of
 * offering desks that can only be refused.
 */
export function searchWindowViolations(
  facts: Omit<BookingFacts, 'desk' | 'otherBookingsThatDay'>,
): RuleViolation[] {
  return checkBookingRules({ ...facts, desk: { label: '', bookable: true }, otherBookingsThatDay: 0 });
}

/**
 * The day a "find a desk" form suggests: today while working hours are not over and
 * today is a working day, else the next working day (within two weeks). Days in
 * `fullDates` (the person already holds as many bookings as a day allows) are skipped
 * while a later day within the horizon is free, so the suggestion can be booked as offered.
 */
export function suggestedDate(
  policy: Policy,
  zone: string,
  now: Date,
  fullDates: ReadonlySet<string> = new Set(),
): string {
  const today = localDate(zone, now);
  const isWorking = (date: string) => policy.workingDays.includes(isoWeekday(date));
  const candidates: string[] = [];
  if (isWorking(today) && minuteOfLocalDay(zone, now) < policy.workdayEndMinute - 15) candidates.push(today);
  for (let i = 1; i <= Math.max(14, policy.maxDaysAhead); i++) {
    const date = addDays(today, i);
    if (isWorking(date)) candidates.push(date);
  }
  const horizon = lastBookableDate(policy, zone, now);
  return (
    candidates.find((d) => d <= horizon && !fullDates.has(d)) ??
    candidates.find((d) => d <= addDays(today, 14)) ??
    addDays(today, 1)
  );
}

/**
 * The instants of a booking typed as a local date and times in the site's zone. A wall
 * time inside a DST gap (or not a time at all) is refused as INVALID_INPUT with
 * zones.ts's message; an end at or before the start likewise. An end of "24:00" means
 * the next midnight.
 */
export function localRange(
  zone: string,
  date: string,
  startTime: string,
  endTime: string,
): { startsAt: Date; endsAt: Date } {
  try {
    const startsAt = wallTimeToInstant(zone, parseWallTime(date, startTime));
    const endsAt =
      endTime.trim() === '24:00'
        ? startOfLocalDay(zone, addDays(date, 1))
        : wallTimeToInstant(zone, parseWallTime(date, endTime));
    if (endsAt <= startsAt) throw invalidInput(msg('problem.booking.endBeforeStart')).about('end');
    return { startsAt, endsAt };
  } catch (error) {
    if (error instanceof WallTimeError) throw invalidInput(wallTimeProblem(error)).about('date');
    throw error;
  }
}

/**
 * The policy's columns for a statement that joins "BookingPolicy" as `alias` (plain SQL,
 * db/sql.ts), with its id as "policyId", so policyOfRow can tell a site without a policy.
 */
export const policyColumnsSql = (alias: string) =>
  Db.Prisma.raw([`${alias}."id" AS "policyId"`, ...POLICY_FIELDS.map((f) => `${alias}."${f}"`)].join(', '));

/** The policy of a row selected with policyColumnsSql. */
export const policyOfRow = (row: Policy & { policyId: number | null }): Policy =>
  policyOf({ policy: row.policyId === null ? null : row });

/** A site's policy as the rules read it; the defaults when the site has none. */
export function policyOf(site: { policy: Policy | null }): Policy {
  const p = site.policy;
  if (!p) return DEFAULT_POLICY;
  // Only the fields the rules read (the default names them all): a row holds more.
  return Object.fromEntries(POLICY_FIELDS.map((k) => [k, p[k]])) as unknown as Policy;
}

/** The range of a request is sane before any policy: valid instants, end after start, not absurdly long. */
export function checkRange(startsAt: Date, endsAt: Date, maxMs: number, what: 'booking' | 'search'): void {
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime()))
    throw invalidInput(msg('problem.booking.invalidRange')).about('date');
  if (endsAt <= startsAt) throw invalidInput(msg('problem.booking.endAfterStart')).about('end');
  if (endsAt.getTime() - startsAt.getTime() > maxMs)
    throw invalidInput(
      msg(what === 'booking' ? 'problem.booking.bookingTooWide' : 'problem.booking.searchTooWide', {
        days: Math.round(maxMs / DAY_MS),
      }),
    ).about('end');
}

/** Why a typed date or time is not one (time/ says it in facts; the catalogue in words). */
export function wallTimeProblem(error: WallTimeError): Message {
  const { problem, input, zone } = error.facts;
  switch (problem) {
    case 'invalid-zone':
      return msg('problem.time.invalidZone', { zone: input });
    case 'unparsable':
      return msg('problem.time.unparsable', { input });
    case 'invalid':
      return msg('problem.time.invalid', { input });
    case 'nonexistent':
      return msg('problem.time.nonexistent', { input, zone: zone ?? '' });
    case 'unshowable-date':
      return msg('problem.time.unshowableDate', { input });
  }
}
