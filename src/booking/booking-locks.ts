/**
 * The statements of one booking, on plain SQL (db/sql.ts): when a booking window opens these
 * run a few hundred times a second, and Prisma's cost per statement would decide the rate.
 */
import { Db } from '../db/database.js';
import type { SqlClient } from '../db/sql.js';
import type { Reservation } from './booking-types.js';
import { freeDesksSql, type FreeDesk, type FreeDesksQuery } from './availability.js';
import { policyColumnsSql, policyOfRow, type Policy } from './booking-rules.js';

export interface BookingFacts {
  label: string;
  bookable: boolean;
  floorId: number;
  zone: string;
  policy: Policy;
  phoneId: number | null;
  userDisabled: boolean;
}

/**
 * Whether the desk, and the person, hold an active booking overlapping [startsAt, endsAt): the
 * same half-open test as the exclusion constraints (see availability.ts). Two select items.
 * The subqueries that select them end in OFFSET 0: without it PostgreSQL inlines them, and
 * the CASE that reads "deskTaken" runs the desk's EXISTS a second time.
 */
const takenSql = (q: { deskId: number; userId: number; startsAt: Date; endsAt: Date }) => {
  const range = Db.Prisma.sql`tstzrange(${q.startsAt}::timestamptz, ${q.endsAt}::timestamptz, '[)')`;
  return Db.Prisma.sql`
      EXISTS (SELECT 1 FROM "Reservation"
        WHERE "deskId" = ${q.deskId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND tstzrange("startsAt", "endsAt", '[)') && ${range}) AS "deskTaken",
      EXISTS (SELECT 1 FROM "Reservation"
        WHERE "userId" = ${q.userId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND tstzrange("startsAt", "endsAt", '[)') && ${range}) AS "personTaken"`;
};

type FactsRow = Policy & {
  label: string;
  bookable: boolean;
  floorId: number;
  timeZone: string;
  phoneId: number | null;
  disabled: boolean;
  policyId: number | null;
};

/** What the booking rules need about a desk and a person (FROM and SELECT of both queries). */
const factsSql = (deskId: number, userId: number) => Db.Prisma.sql`
    SELECT d."label", d."bookable", d."floorId", s."timeZone", ph."id" AS "phoneId", u."disabled",
      ${policyColumnsSql('p')}
    FROM "Desk" d
      CROSS JOIN "User" u
      JOIN "Floor" f ON f."id" = d."floorId"
      JOIN "Site" s ON s."id" = f."siteId"
      LEFT JOIN "BookingPolicy" p ON p."siteId" = s."id"
      LEFT JOIN "Phone" ph ON ph."deskId" = d."id"
    WHERE d."id" = ${deskId} AND u."id" = ${userId}`;

/**
 * Locks the desk, then the person, and returns what the booking rules need about both, in
 * one round trip; null when the desk or the person does not exist.
 */
export async function lockForBooking(
  tx: SqlClient,
  deskId: number,
  userId: number,
): Promise<BookingFacts | null> {
  const rows = await tx.rows<FactsRow>(Db.Prisma.sql`${factsSql(deskId, userId)} FOR UPDATE OF d, u`);
  const row = rows[0];
  return row ? factsOf(row) : null;
}

/** Up to `limit` free desks of the floor to offer instead of the one asked for, as one JSON column. */
const insteadSql = (
  q: { deskId: number; startsAt: Date; endsAt: Date },
  floorId: FreeDesksQuery['floorId'],
  limit: number,
) => Db.Prisma.sql`
  (SELECT coalesce(json_agg(json_build_object('id', a."id", 'label', a."label", 'features', a."features")
    ORDER BY a."label"), '[]'::json)
   FROM (${freeDesksSql({ floorId, exceptDeskId: q.deskId, startsAt: q.startsAt, endsAt: q.endsAt, limit })}) a)`;

/**
 * Before any transaction or lock, in one round trip: the same facts, whether the desk or the
 * person is already taken in [startsAt, endsAt), and when the desk is, up to `alternatives` free
 * desks on its floor to offer instead. When the booking window opens for a popular day most
 * requests want a desk someone just got; they are answered from this read instead of queueing
 * for that desk's lock with a pooled connection held. A "free" here proves nothing: the locked
 * checks and the exclusion constraints decide.
 */
export async function peekForBooking(
  db: SqlClient,
  q: { deskId: number; userId: number; startsAt: Date; endsAt: Date; alternatives: number },
): Promise<(BookingFacts & { deskTaken: boolean; personTaken: boolean; alternatives: FreeDesk[] }) | null> {
  const rows = await db.rows<
    FactsRow & { deskTaken: boolean; personTaken: boolean; alternatives: FreeDesk[] | null }
  >(
    Db.Prisma.sql`
    SELECT facts.*, taken.*,
      CASE WHEN taken."deskTaken" THEN
        ${insteadSql(q, Db.Prisma.sql`facts."floorId"`, q.alternatives)}
      END AS "alternatives"
    FROM (${factsSql(q.deskId, q.userId)}) facts
      CROSS JOIN LATERAL (SELECT ${takenSql(q)} OFFSET 0) taken`,
  );
  const row = rows[0];
  return row
    ? {
        ...factsOf(row),
        deskTaken: row.deskTaken,
        personTaken: row.personTaken,
        alternatives: row.alternatives ?? [],
      }
    : null;
}

function factsOf(row: FactsRow): BookingFacts {
  return {
    label: row.label,
    bookable: row.bookable,
    floorId: row.floorId,
    zone: row.timeZone,
    phoneId: row.phoneId,
    userDisabled: row.disabled,
    policy: policyOfRow(row),
  };
}

/**
 * After the locks, in one round trip: the person's other active bookings starting that
 * local day, whether the desk or the person is taken in [startsAt, endsAt) (the same
 * half-open test as the exclusion constraints, see availability.ts), and when the desk is
 * (someone booked it while this request waited for its lock), up to `alternatives` free desks
 * of `floorId` to offer instead.
 */
export async function checkForBooking(
  tx: SqlClient,
  q: {
    deskId: number;
    userId: number;
    startsAt: Date;
    endsAt: Date;
    dayStartsAt: Date;
    dayEndsAt: Date;
    floorId: number;
    alternatives: number;
  },
): Promise<{
  otherBookingsThatDay: number;
  deskTaken: boolean;
  personTaken: boolean;
  alternatives: FreeDesk[];
}> {
  const [row] = await tx.rows<{
    sameDay: number;
    deskTaken: boolean;
    personTaken: boolean;
    alternatives: FreeDesk[] | null;
  }>(Db.Prisma.sql`
    SELECT c.*,
      CASE WHEN c."deskTaken" THEN ${insteadSql(q, q.floorId, q.alternatives)} END AS "alternatives"
    FROM (SELECT
      (SELECT count(*)::int FROM "Reservation"
        WHERE "userId" = ${q.userId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND "startsAt" >= ${q.dayStartsAt}::timestamptz AND "startsAt" < ${q.dayEndsAt}::timestamptz) AS "sameDay",
      ${takenSql(q)} OFFSET 0) c`);
  return {
    otherBookingsThatDay: row!.sameDay,
    deskTaken: row!.deskTaken,
    personTaken: row!.personTaken,
    alternatives: row!.alternatives ?? [],
  };
}

/** Whether the desk exists (a booking that found no desk-and-person row says which is missing). */
export async function deskExists(db: SqlClient, deskId: number): Promise<boolean> {
  const [row] = await db.rows<{ found: boolean }>(
    Db.Prisma.sql`SELECT EXISTS (SELECT 1 FROM "Desk" WHERE "id" = ${deskId}) AS "found"`,
  );
  return row!.found;
}

/**
 * The new booking's row, as Prisma would return it (updatedAt, which Prisma's @updatedAt would
 * set, from the database's clock). Its columns are named: a prepared statement (db/sql.ts) that
 * returned * would fail once a migration added a column under a running Roost.
 */
export async function insertReservation(
  tx: SqlClient,
  r: Pick<Reservation, 'deskId' | 'userId' | 'startsAt' | 'endsAt' | 'createdById' | 'updatedById'>,
): Promise<Reservation> {
  const [row] = await tx.rows<Reservation>(Db.Prisma.sql`
    INSERT INTO "Reservation" ("deskId", "userId", "startsAt", "endsAt", "createdById", "updatedById", "updatedAt")
    VALUES (${r.deskId}, ${r.userId}, ${r.startsAt}::timestamptz, ${r.endsAt}::timestamptz,
      ${r.createdById}, ${r.updatedById}, now())
    RETURNING "id", "deskId", "userId", "startsAt", "endsAt", "status"::text AS "status", "checkedInAt",
      "createdById", "updatedById", "createdAt", "updatedAt", "seriesId"`);
  return row!;
}
