/**
 * The SQL behind the occupancy report (definitions in occupancy.ts): one round trip per table,
 * touching only the range's rows (indexes on startsAt / dueAt). Numbers come back as the
 * driver gives them (number, bigint or numeric string); buildOccupancyReport makes them numbers.
 */
import type { PrismaClient } from '../db/database.js';

/** What the report is about: a site (or one of its floors), its zone and working days. */
export interface OccupancyScope {
  siteId: number;
  floorId: number | null;
  zone: string;
  workingDays: number[];
  /** First and last local date, "YYYY-MM-DD", inclusive. */
  from: string;
  to: string;
  now: Date;
}

export interface OccupancyRows {
  /** Local midnight of `from` and local midnight after `to`, by PostgreSQL's zone rules. */
  rangeStartsAt: Date;
  rangeEndsAt: Date;
  /** One per local date of the range, in order. */
  days: { date: string; bookings: unknown; noShows: unknown; released: unknown; cancelled: unknown }[];
  /** One per local hour that occurs on a working day of the range. */
  hours: { hour: unknown; bucketHours: unknown; occupiedSeconds: unknown }[];
  rates: { started: unknown; noShows: unknown; released: unknown }[];
  /** Every bookable desk, in floor-and-label order. */
  desks: { deskId: number; label: string; floor: string; bookedSeconds: unknown; bookings: unknown }[];
  logins: { done: unknown; failed: unknown; conflict: unknown; median: unknown; p95: unknown }[];
  deskCount: { n: unknown }[];
}

export async function siteForReport(prisma: PrismaClient, siteId: number) {
  return prisma.site.findUnique({
    where: { id: siteId },
    select: { id: true, name: true, timeZone: true, policy: { select: { workingDays: true } } },
  });
}

export async function floorForReport(prisma: PrismaClient, floorId: number) {
  return prisma.floor.findUnique({ where: { id: floorId }, select: { id: true, name: true, siteId: true } });
}

/** Sites and their floors, for the pickers. */
export async function reportScopes(prisma: PrismaClient) {
  return prisma.site.findMany({
    orderBy: { id: 'asc' },
    select: {
      id: true,
      name: true,
      timeZone: true,
      floors: { orderBy: [{ level: 'asc' }, { name: 'asc' }], select: { id: true, name: true } },
    },
  });
}

export async function queryOccupancyRows(
  prisma: PrismaClient,
  scope: OccupancyScope,
): Promise<OccupancyRows> {
  const { siteId, floorId, zone, workingDays, from, to, now } = scope;
  // The range's instants, computed by PostgreSQL from the same zone rules it uses below.
  const [bounds] = await prisma.$queryRaw<{ startsAt: Date; endsAt: Date }[]>`
    SELECT (${from}::date::timestamp AT TIME ZONE ${zone}::text) AS "startsAt",
           ((${to}::date + 1)::timestamp AT TIME ZONE ${zone}::text) AS "endsAt"`;
  if (!bounds) throw new Error('range bounds query returned no row');
  const rangeStartsAt = new Date(bounds.startsAt);
  const rangeEndsAt = new Date(bounds.endsAt);

  const [days, hours, rates, desks, logins, deskCount] = await Promise.all([
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
        WHERE f."siteId" = ${siteId}
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
        WHERE f."siteId" = ${siteId}
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
      WHERE f."siteId" = ${siteId}
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
      WHERE f."siteId" = ${siteId}
        AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
        AND d."bookable"
      GROUP BY d."id", d."label", f."name", f."level"
      ORDER BY f."level", f."name", d."label"`,

    prisma.$queryRaw<{ done: unknown; failed: unknown; conflict: unknown; median: unknown; p95: unknown }[]>`
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
        AND f."siteId" = ${siteId}
        AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
        AND a."dueAt" >= ${rangeStartsAt}::timestamptz
        AND a."dueAt" < ${rangeEndsAt}::timestamptz`,

    prisma.$queryRaw<{ n: unknown }[]>`
      SELECT count(*)::int AS n
      FROM "Desk" d JOIN "Floor" f ON f."id" = d."floorId"
      WHERE f."siteId" = ${siteId}
        AND (${floorId}::int IS NULL OR d."floorId" = ${floorId}::int)
        AND d."bookable"`,
  ]);

  return { rangeStartsAt, rangeEndsAt, days, hours, rates, desks, logins, deskCount };
}
