import { MINUTE_MS } from '../time/clock.js';
import {
  addDays,
  localDate,
  minuteOfLocalDay,
  parseWallTime,
  startOfLocalDay,
  wallTimeToInstant,
} from '../time/zones.js';
import {
  formatMinuteOfDay,
  searchWindowViolations,
  type Policy,
  type RuleViolation,
} from './booking-rules.js';

/**
 * The one time grid of the booking pages: every time Roost suggests (search defaults, the
 * "Book now" end choices, the extend field's default) is a quarter hour of the site's wall
 * clock. The time fields accept any minute ("HH:MM", src/i18n/form-input.ts) and the rules
 * accept any minute, so nothing Roost suggests or asks for is refused by a field; the grid
 * keeps the suggestions round. The grid is in local wall time, not UTC, so it stays on the
 * quarter hours across a DST change and in zones offset by 30 or 45 minutes.
 */
export const TIME_GRID_MINUTES = 15;

export const isOnGrid = (zone: string, at: Date) => minuteOfLocalDay(zone, at) % TIME_GRID_MINUTES === 0;

/** The first grid instant strictly after `after` (whole minutes), in `zone`. */
export function nextGridInstant(zone: string, after: Date): Date {
  let t = Math.floor(after.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  while (!isOnGrid(zone, new Date(t))) t += MINUTE_MS;
  return new Date(t);
}

/** Grid instants in (after, until], in order (real time, so a DST day has as many as it has hours). */
export function gridInstantsBetween(zone: string, after: Date, until: Date): Date[] {
  const out: Date[] = [];
  for (
    let t = nextGridInstant(zone, after);
    t <= until;
    t = new Date(t.getTime() + TIME_GRID_MINUTES * MINUTE_MS)
  )
    out.push(t);
  return out;
}

/** The end of working hours on `date` (local), an instant; 24:00 is the next midnight. */
export function workdayEndOn(policy: Policy, zone: string, date: string): Date {
  if (policy.workdayEndMinute >= 1440) return startOfLocalDay(zone, addDays(date, 1));
  // The end of working hours in a DST gap (02:30 on a spring-forward night) is the first minute after it.
  for (let m = policy.workdayEndMinute; m < 1440; m++) {
    try {
      return wallTimeToInstant(zone, parseWallTime(date, formatMinuteOfDay(m)));
    } catch {
      continue;
    }
  }
  return startOfLocalDay(zone, addDays(date, 1));
}

/** The latest end a booking starting at `startsAt` may have: the length limit or the end of its working day. */
export function latestEndFor(policy: Policy, zone: string, startsAt: Date): Date {
  const byLength = startsAt.getTime() + policy.maxBookingMinutes * MINUTE_MS;
  return new Date(Math.min(byLength, workdayEndOn(policy, zone, localDate(zone, startsAt)).getTime()));
}

export type BookNowWindow =
  | { open: true; startsAt: Date; date: string; ends: Date[]; defaultEnd: Date }
  | { open: false; violation: RuleViolation | null };

/**
 * "Book now": from the current minute until an end the person picks from `ends`, every one
 * of which the rules allow (on the grid, at least one grid step away, within the length
 * limit and working hours). Closed when today is not a working day, working hours have not
 * begun or are over, or less than one grid step is left; then `violation` says why (null
 * when only the last minutes of the day are left).
 */
export function bookNowWindow(policy: Policy, zone: string, now: Date): BookNowWindow {
  const startsAt = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
  const probeEnd = new Date(startsAt.getTime() + TIME_GRID_MINUTES * MINUTE_MS);
  const [violation] = searchWindowViolations({ policy, zone, startsAt, endsAt: probeEnd, now });
  if (violation) return { open: false, violation };
  const earliest = new Date(startsAt.getTime() + (TIME_GRID_MINUTES - 1) * MINUTE_MS);
  const ends = gridInstantsBetween(zone, earliest, latestEndFor(policy, zone, startsAt));
  if (ends.length === 0) return { open: false, violation: null };
  return { open: true, startsAt, date: localDate(zone, startsAt), ends, defaultEnd: ends.at(-1)! };
}

/**
 * What the extend field offers first: one hour after the current end, on the grid, never past
 * what the policy allows. When no grid time lies between the end and the latest end (a latest
 * end of 18:02 for a booking made at 08:02), the latest end itself: a valid value, not an
 * invalid round one.
 */
export function extendDefault(zone: string, booking: { endsAt: Date }, latestEndAt: Date): Date | null {
  if (latestEndAt <= booking.endsAt) return null;
  const options = gridInstantsBetween(zone, booking.endsAt, latestEndAt);
  const anHourLater = booking.endsAt.getTime() + 60 * MINUTE_MS;
  return options.find((t) => t.getTime() >= anHourLater) ?? options.at(-1) ?? latestEndAt;
}
