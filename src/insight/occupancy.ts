import { DateTime } from 'luxon';
import type { PrismaClient } from '../db/database.js';
import { invalidInput, msg, notFound } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { addDays, localDate } from '../time/zones.js';
import {
  floorForReport,
  queryOccupancyRows,
  reportScopes,
  siteForReport,
  type OccupancyRows,
  type OccupancyScope,
} from './occupancy-queries.js';

/**
 * Occupancy insight for facilities (issue 8): what a site's or floor's desks were (and
 * are going to be) used for, over a range of local dates in the site's zone.
 *
 * Definitions (shown on the dashboard too, see METRIC_DEFINITIONS):
 * - A booking belongs to the local day (site zone) its startsAt falls on, and to the
 *   range when that day is in it. Cancelled bookings are counted on their own, never
 *   as bookings.
 * - A desk is held by a booking whose status is BOOKED, CHECKED_IN, COMPLETED or
 *   RELEASED, over [startsAt, endsAt) (a release moves endsAt to the release instant).
 *   NO_SHOW and CANCELLED bookings hold nothing. Future days therefore show what is
 *   booked, past days what was used.
 * - Utilisation of local hour H = desk-time held during every instant whose local hour
 *   is H on a working day (the site policy's ISO weekdays) in the range, divided by
 *   (bookable desks now x the length of those instants). The hours come from the zone's
 *   real clock: on the day clocks go forward 02:00-03:00 does not exist and adds
 *   nothing; on the day they go back it happens twice and counts twice as long. Only
 *   desks bookable now count, in both parts.
 * - No-show rate = NO_SHOW / bookings in the range that have started (startsAt <= now,
 *   not cancelled); release rate = RELEASED / the same.
 * - Desk use = hours held inside the range, per bookable desk, most and least.
 * - Phone login: LOGIN actions due in the range for the scope's desks (through their
 *   booking, else their phone's desk). Success rate = DONE / (DONE + FAILED +
 *   CONFLICT); skipped, cancelled and unfinished actions are left out. Delay =
 *   completedAt - dueAt of DONE actions, median and 95th percentile with linear
 *   interpolation (PostgreSQL's percentile_cont). dueAt is the last scheduled attempt:
 *   a retry moves it later, a login rush earlier.
 *
 * The aggregation runs in SQL (occupancy-queries.ts) so a site with years of bookings answers
 * in one round trip per table; buildOccupancyReport turns the rows into the report.
 */

export const MAX_RANGE_DAYS = 92;
/** How many desks the most- and least-used lists show. */
export const DESK_LIST_SIZE = 5;

export interface OccupancyInput {
  siteId: number;
  floorId?: number | undefined;
  /** First local date, "YYYY-MM-DD", inclusive. */
  from: string;
  /** Last local date, "YYYY-MM-DD", inclusive. */
  to: string;
}

export interface DayRow {
  date: string;
  /** "Mon" .. "Sun". */
  weekday: string;
  isWorkingDay: boolean;
  /** Not cancelled, any other status. */
  bookings: number;
  noShows: number;
  released: number;
  cancelled: number;
}

export interface HourRow {
  /** Local hour of day, 0-23. */
  hour: number;
  occupiedDeskHours: number;
  availableDeskHours: number;
  /** occupied / available, 0..1; null when nothing was available (no bookable desks, no working days). */
  utilisation: number | null;
}

export interface DeskUse {
  deskId: number;
  label: string;
  floor: string;
  bookedHours: number;
  bookings: number;
}

export interface OccupancyReport {
  site: { id: number; name: string; timeZone: string };
  floor: { id: number; name: string } | null;
  from: string;
  to: string;
  /** Instants bounding the range: local midnight of `from`, local midnight after `to`. */
  rangeStartsAt: Date;
  rangeEndsAt: Date;
  generatedAt: Date;
  workingDays: number[];
  bookableDesks: number;
  days: DayRow[];
  hours: HourRow[];
  rates: {
    startedBookings: number;
    noShows: number;
    released: number;
    noShowRate: number | null;
    releaseRate: number | null;
  };
  desks: { most: DeskUse[]; least: DeskUse[] };
  phoneLogins: {
    done: number;
    failed: number;
    conflict: number;
    attempted: number;
    successRate: number | null;
    delayMedianSeconds: number | null;
    delayP95Seconds: number | null;
  };
}

export interface ScopeSite {
  id: number;
  name: string;
  timeZone: string;
  floors: { id: number; name: string }[];
}

export interface OccupancyInsight {
  occupancyReport(input: OccupancyInput): Promise<OccupancyReport>;
  /** Sites and their floors, for the pickers. */
  scopes(): Promise<ScopeSite[]>;
  /** The default range: four weeks back to four weeks ahead of today in the zone. */
  defaultRange(timeZone: string): { from: string; to: string };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks a range of local dates; throws INVALID_INPUT with a message a person can act on. */
export function validateRange(from: string, to: string): { days: number } {
  for (const [name, value] of [
    ['start', from],
    ['end', to],
  ] as const) {
    if (!DATE_RE.test(value) || !DateTime.fromISO(value, { zone: 'UTC' }).isValid) {
      throw invalidInput(
        msg(name === 'start' ? 'problem.insight.startNotADate' : 'problem.insight.endNotADate', { value }),
        { field: name === 'start' ? 'from' : 'to' },
      );
    }
  }
  const days =
    DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days + 1;
  if (days < 1) {
    throw invalidInput(msg('problem.insight.startAfterEnd', { from, to }), { field: 'from' });
  }
  if (days > MAX_RANGE_DAYS) {
    // Numbers as plain text: a message would group the digits ("1,000"), the input does not.
    throw invalidInput(
      msg('problem.insight.rangeTooLong', { from, to, days: String(days), max: String(MAX_RANGE_DAYS) }),
      { field: 'to' },
    );
  }
  return { days };
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Numbers from SQL come as number, bigint or numeric strings depending on driver; make them numbers. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const SECONDS_PER_HOUR = 3600;

export function createOccupancyInsight(deps: { prisma: PrismaClient; clock: Clock }): OccupancyInsight {
  const { prisma, clock } = deps;

  function defaultRange(timeZone: string) {
    const today = localDate(timeZone, clock.now());
    return { from: addDays(today, -28), to: addDays(today, 28) };
  }

  async function occupancyReport(input: OccupancyInput): Promise<OccupancyReport> {
    validateRange(input.from, input.to);
    const site = await siteForReport(prisma, input.siteId);
    if (!site) throw notFound('site', input.siteId);
    let floor: { id: number; name: string } | null = null;
    if (input.floorId !== undefined) {
      const row = await floorForReport(prisma, input.floorId);
      if (!row || row.siteId !== site.id) {
        throw invalidInput(
          msg('problem.insight.floorNotOfSite', { floor: String(input.floorId), site: site.name }),
          { field: 'floorId' },
        );
      }
      floor = { id: row.id, name: row.name };
    }
    const scope: OccupancyScope = {
      siteId: site.id,
      floorId: floor?.id ?? null,
      zone: site.timeZone,
      workingDays: site.policy?.workingDays ?? [1, 2, 3, 4, 5],
      from: input.from,
      to: input.to,
      now: clock.now(),
    };
    const rows = await queryOccupancyRows(prisma, scope);
    return buildOccupancyReport(rows, { ...scope, site: { id: site.id, name: site.name }, floor });
  }

  return { occupancyReport, scopes: () => reportScopes(prisma), defaultRange };
}

/**
 * The report from the query rows: pure, so the arithmetic (hours, rates, desk lists, the
 * missing hours of the day) is tested from a table without a database.
 */
export function buildOccupancyReport(
  rows: OccupancyRows,
  context: OccupancyScope & {
    site: { id: number; name: string };
    floor: { id: number; name: string } | null;
  },
): OccupancyReport {
  const { workingDays, from, to, now, zone } = context;
  const bookableDesks = num(rows.deskCount[0]?.n);
  const days: DayRow[] = rows.days.map((r) => {
    const weekday = DateTime.fromISO(r.date, { zone: 'UTC' }).weekday;
    return {
      date: r.date,
      weekday: WEEKDAYS[weekday - 1]!,
      isWorkingDay: workingDays.includes(weekday),
      bookings: num(r.bookings),
      noShows: num(r.noShows),
      released: num(r.released),
      cancelled: num(r.cancelled),
    };
  });

  const byHour = new Map(rows.hours.map((r) => [num(r.hour), r]));
  const hours: HourRow[] = Array.from({ length: 24 }, (_, hour) => {
    const row = byHour.get(hour);
    const occupiedDeskHours = num(row?.occupiedSeconds) / SECONDS_PER_HOUR;
    const availableDeskHours = num(row?.bucketHours) * bookableDesks;
    return {
      hour,
      occupiedDeskHours,
      availableDeskHours,
      utilisation: ratio(occupiedDeskHours, availableDeskHours),
    };
  });

  const rate = rows.rates[0];
  const started = num(rate?.started);
  const noShows = num(rate?.noShows);
  const released = num(rate?.released);

  const deskUses: DeskUse[] = rows.desks.map((r) => ({
    deskId: r.deskId,
    label: r.label,
    floor: r.floor,
    bookedHours: num(r.bookedSeconds) / SECONDS_PER_HOUR,
    bookings: num(r.bookings),
  }));
  // Ties keep the floor-and-label order, so the lists do not change between reloads.
  const most = [...deskUses].sort((a, b) => b.bookedHours - a.bookedHours).slice(0, DESK_LIST_SIZE);
  const least = [...deskUses].sort((a, b) => a.bookedHours - b.bookedHours).slice(0, DESK_LIST_SIZE);

  const login = rows.logins[0];
  const done = num(login?.done);
  const failed = num(login?.failed);
  const conflict = num(login?.conflict);
  const attempted = done + failed + conflict;

  return {
    site: { id: context.site.id, name: context.site.name, timeZone: zone },
    floor: context.floor,
    from,
    to,
    rangeStartsAt: rows.rangeStartsAt,
    rangeEndsAt: rows.rangeEndsAt,
    generatedAt: now,
    workingDays: [...workingDays].sort((a, b) => a - b),
    bookableDesks,
    days,
    hours,
    rates: {
      startedBookings: started,
      noShows,
      released,
      noShowRate: ratio(noShows, started),
      releaseRate: ratio(released, started),
    },
    desks: { most, least },
    phoneLogins: {
      done,
      failed,
      conflict,
      attempted,
      successRate: ratio(done, attempted),
      delayMedianSeconds: numOrNull(login?.median),
      delayP95Seconds: numOrNull(login?.p95),
    },
  };
}
