import { DateTime } from 'luxon';
import type { PrismaClient } from '../db/database.js';
import { invalidInput, notFound, untranslated } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { addDays, localDate } from '../time/zones.js';

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
 * The aggregation runs in SQL so a site with years of bookings answers in one round
 * trip per table; only the range's rows are touched (indexes on startsAt / dueAt).
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
        untranslated(`The ${name} date "${value}" is not a date; use YYYY-MM-DD, e.g. 2026-12-01.`),
        {
          field: name === 'start' ? 'from' : 'to',
        },
      );
    }
  }
  const days =
    DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days + 1;
  if (days < 1) {
    throw invalidInput(untranslated(`The start date ${from} is after the end date ${to}; swap them.`), {
      field: 'from',
    });
  }
  if (days > MAX_RANGE_DAYS) {
    throw invalidInput(
      untranslated(
        `The range ${from} to ${to} spans ${days} days; choose at most ${MAX_RANGE_DAYS} days (about three months).`,
      ),
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

export function createOccupancyInsight(deps: { prisma: PrismaClient; clock: Clock }): OccupancyInsight {
  const { prisma, clock } = deps;

  async function scopes(): Promise<ScopeSite[]> {
    const sites = await prisma.site.findMany({
      orderBy: { id: 'asc' },
      select: {
        id: true,
        name: true,
        timeZone: true,
        floors: { orderBy: [{ level: 'asc' }, { name: 'asc' }], select: { id: true, name: true } },
      },
    });
    return sites;
  }

  function defaultRange(timeZone: string) {
    const today = localDate(timeZone, clock.now());
    return { from: addDays(today, -28), to: addDays(today, 28) };
  }

  async function occupancyReport(input: OccupancyInput): Promise<OccupancyReport> {
    validateRange(input.from, input.to);
    const site = await prisma.site.findUnique({
      where: { id: input.siteId },
      select: { id: true, name: true, timeZone: true, policy: { select: { workingDays: true } } },
    });
    if (!site) throw notFound('site', input.siteId);
    let floor: { id: number; name: string } | null = null;
    if (input.floorId !== undefined) {
      const row = await prisma.floor.findUnique({
        where: { id: input.floorId },
        select: { id: true, name: true, siteId: true },
      });
      if (!row || row.siteId !== site.id) {
        throw invalidInput(
          untranslated(`Floor ${input.floorId} is not a floor of ${site.name}; choose one from the list.`),
          {
            field: 'floorId',
          },
        );
      }
      floor = { id: row.id, name: row.name };
    }
    const zone = site.timeZone;
    const workingDays = site.policy?.workingDays ?? [1, 2, 3, 4, 5];
    const floorId = floor?.id ?? null;
    const now = clock.now();
    const { from, to } = input;

    // The range's instants, computed by PostgreSQL from the same zone rules it uses below.
    const [bounds] = await prisma.$queryRaw<{ startsAt: Date; endsAt: Date }[]>`
      SELECT (${from}::date::timestamp AT TIME ZONE ${zone}::text) AS "startsAt",
             ((${to}::date + 1)::timestamp AT TIME ZONE ${zone}::text) AS "endsAt"`;
    if (!bounds) throw new Error('range bounds query returned no row');
    const rangeStartsAt = new Date(bounds.startsAt);
    const rangeEndsAt = new Date(bounds.endsAt);

    const [dayRows, hourRows, rateRows, deskRows, loginRows, deskCountRows] = await Promise.all([
      prisma.$queryRaw<
        { date: string; bookings: unknown; noShows: unknown; released: unknown; cancelled: unknown }[]
      >`
        WITH days AS (
          SELECT d::date AS day FROM generate_series(${from}::date, ${to}::date, interval '1 day') AS d
        ),
        counted AS (
          SELECT (r."startsAt" AT TIME ZONE ${zone}::text)::date AS day, r."status"
          FROM "Reservation" r
          JOIN "Desk" d ON d."id" = r."deskId"
          JOIN "Floor" f ON f."id" = d."floorId"
          WHERE f."siteId" = ${site.id}
            AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
            AND r."startsAt" >= ${rangeStartsAt}::timestamptz
            AND r."startsAt" < ${rangeEndsAt}::timestamptz
        )
        SELECT to_char(days.day, 'YYYY-MM-DD') AS "date",
               count(c."status") FILTER (WHERE c."status" <> 'CANCELLED')::int AS "bookings",
               count(c."status") FILTER (WHERE c."status" = 'NO_SHOW')::int AS "noShows",
               count(c."status") FILTER (WHERE c."status" = 'RELEASED')::int AS "released",
               count(c."status") FILTER (WHERE c."status" = 'CANCELLED')::int AS "cancelled"
        FROM days LEFT JOIN counted c ON c.day = days.day
        GROUP BY days.day
        ORDER BY days.day`,

      // Hour buckets step in real hours from local midnight, so each is one local clock
      // hour (zones whose offset changes by a whole hour; all our sites). Each held
      // booking is cut into the buckets it overlaps, without joining every bucket to
      // every booking. Bookings sharing start and end (most start on the hour) are cut once.
      prisma.$queryRaw<{ hour: unknown; bucketHours: unknown; occupiedSeconds: unknown }[]>`
        WITH buckets AS (
          SELECT b AS "startsAt", (b AT TIME ZONE ${zone}::text) AS local
          FROM generate_series(${rangeStartsAt}::timestamptz,
                               ${rangeEndsAt}::timestamptz - interval '1 hour',
                               interval '1 hour') AS b
        ),
        held AS (
          SELECT GREATEST(r."startsAt", ${rangeStartsAt}::timestamptz) AS s,
                 LEAST(r."endsAt", ${rangeEndsAt}::timestamptz) AS e,
                 count(*) AS n
          FROM "Reservation" r
          JOIN "Desk" d ON d."id" = r."deskId"
          JOIN "Floor" f ON f."id" = d."floorId"
          WHERE f."siteId" = ${site.id}
            AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
            AND d."bookable"
            AND r."status" IN ('BOOKED', 'CHECKED_IN', 'COMPLETED', 'RELEASED')
            AND r."startsAt" < ${rangeEndsAt}::timestamptz
            AND r."endsAt" > ${rangeStartsAt}::timestamptz
          GROUP BY 1, 2
        ),
        pieces AS (
          SELECT b AS "startsAt",
                 h.n * EXTRACT(EPOCH FROM (LEAST(h.e, b + interval '1 hour') - GREATEST(h.s, b))) AS seconds
          FROM held h,
               LATERAL generate_series(
                 ${rangeStartsAt}::timestamptz
                   + floor(EXTRACT(EPOCH FROM (h.s - ${rangeStartsAt}::timestamptz)) / 3600) * interval '1 hour',
                 h.e - interval '1 microsecond',
                 interval '1 hour') AS b
        ),
        occupied AS (
          SELECT "startsAt", sum(seconds) AS seconds FROM pieces GROUP BY "startsAt"
        )
        SELECT EXTRACT(HOUR FROM b.local)::int AS "hour",
               count(*)::int AS "bucketHours",
               COALESCE(sum(o.seconds), 0)::float8 AS "occupiedSeconds"
        FROM buckets b LEFT JOIN occupied o ON o."startsAt" = b."startsAt"
        WHERE EXTRACT(ISODOW FROM b.local)::int = ANY(${workingDays}::int[])
        GROUP BY 1
        ORDER BY 1`,

      prisma.$queryRaw<{ started: unknown; noShows: unknown; released: unknown }[]>`
        SELECT count(*)::int AS "started",
               count(*) FILTER (WHERE r."status" = 'NO_SHOW')::int AS "noShows",
               count(*) FILTER (WHERE r."status" = 'RELEASED')::int AS "released"
        FROM "Reservation" r
        JOIN "Desk" d ON d."id" = r."deskId"
        JOIN "Floor" f ON f."id" = d."floorId"
        WHERE f."siteId" = ${site.id}
          AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
          AND r."status" <> 'CANCELLED'
          AND r."startsAt" >= ${rangeStartsAt}::timestamptz
          AND r."startsAt" < ${rangeEndsAt}::timestamptz
          AND r."startsAt" <= ${now}::timestamptz`,

      prisma.$queryRaw<
        { deskId: number; label: string; floor: string; bookedSeconds: unknown; bookings: unknown }[]
      >`
        -- LEAST/GREATEST skip NULLs, so a desk without bookings must be filtered, not summed.
        SELECT d."id" AS "deskId", d."label", f."name" AS "floor",
               COALESCE(sum(EXTRACT(EPOCH FROM (
                 LEAST(r."endsAt", ${rangeEndsAt}::timestamptz)
                 - GREATEST(r."startsAt", ${rangeStartsAt}::timestamptz))))
                 FILTER (WHERE r."id" IS NOT NULL), 0)::float8 AS "bookedSeconds",
               count(r."id")::int AS "bookings"
        FROM "Desk" d
        JOIN "Floor" f ON f."id" = d."floorId"
        LEFT JOIN "Reservation" r ON r."deskId" = d."id"
          AND r."status" IN ('BOOKED', 'CHECKED_IN', 'COMPLETED', 'RELEASED')
          AND r."startsAt" < ${rangeEndsAt}::timestamptz
          AND r."endsAt" > ${rangeStartsAt}::timestamptz
        WHERE f."siteId" = ${site.id}
          AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
          AND d."bookable"
        GROUP BY d."id", d."label", f."name", f."level"
        ORDER BY f."level", f."name", d."label"`,

      prisma.$queryRaw<
        { done: unknown; failed: unknown; conflict: unknown; median: unknown; p95: unknown }[]
      >`
        SELECT count(*) FILTER (WHERE a."state" = 'DONE')::int AS "done",
               count(*) FILTER (WHERE a."state" = 'FAILED')::int AS "failed",
               count(*) FILTER (WHERE a."state" = 'CONFLICT')::int AS "conflict",
               (percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (a."completedAt" - a."dueAt")))
                 FILTER (WHERE a."state" = 'DONE' AND a."completedAt" IS NOT NULL))::float8 AS "median",
               (percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (a."completedAt" - a."dueAt")))
                 FILTER (WHERE a."state" = 'DONE' AND a."completedAt" IS NOT NULL))::float8 AS "p95"
        FROM "PhoneAction" a
        JOIN "Phone" p ON p."id" = a."phoneId"
        LEFT JOIN "Reservation" r ON r."id" = a."reservationId"
        JOIN "Desk" d ON d."id" = COALESCE(r."deskId", p."deskId")
        JOIN "Floor" f ON f."id" = d."floorId"
        WHERE a."kind" = 'LOGIN'
          AND f."siteId" = ${site.id}
          AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
          AND a."dueAt" >= ${rangeStartsAt}::timestamptz
          AND a."dueAt" < ${rangeEndsAt}::timestamptz`,

      prisma.$queryRaw<{ n: unknown }[]>`
        SELECT count(*)::int AS n
        FROM "Desk" d JOIN "Floor" f ON f."id" = d."floorId"
        WHERE f."siteId" = ${site.id}
          AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
          AND d."bookable"`,
    ]);

    const bookableDesks = num(deskCountRows[0]?.n);
    const days: DayRow[] = dayRows.map((r) => {
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

    const byHour = new Map(hourRows.map((r) => [num(r.hour), r]));
    const hours: HourRow[] = Array.from({ length: 24 }, (_, hour) => {
      const row = byHour.get(hour);
      const occupiedDeskHours = num(row?.occupiedSeconds) / 3600;
      const availableDeskHours = num(row?.bucketHours) * bookableDesks;
      return {
        hour,
        occupiedDeskHours,
        availableDeskHours,
        utilisation: ratio(occupiedDeskHours, availableDeskHours),
      };
    });

    const rate = rateRows[0];
    const started = num(rate?.started);
    const noShows = num(rate?.noShows);
    const released = num(rate?.released);

    const deskUses: DeskUse[] = deskRows.map((r) => ({
      deskId: r.deskId,
      label: r.label,
      floor: r.floor,
      bookedHours: num(r.bookedSeconds) / 3600,
      bookings: num(r.bookings),
    }));
    // Ties keep the floor-and-label order, so the lists do not change between reloads.
    const most = [...deskUses].sort((a, b) => b.bookedHours - a.bookedHours).slice(0, DESK_LIST_SIZE);
    const least = [...deskUses].sort((a, b) => a.bookedHours - b.bookedHours).slice(0, DESK_LIST_SIZE);

    const login = loginRows[0];
    const done = num(login?.done);
    const failed = num(login?.failed);
    const conflict = num(login?.conflict);
    const attempted = done + failed + conflict;

    return {
      site: { id: site.id, name: site.name, timeZone: zone },
      floor,
      from,
      to,
      rangeStartsAt,
      rangeEndsAt,
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

  return { occupancyReport, scopes, defaultRange };
}
