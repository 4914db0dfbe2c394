import { Db } from '../db/database.js';

/**
 * Which active reservations overlap a time range, asked the way the exclusion
 * constraints are written (`tstzrange(startsAt, endsAt, '[)') && ...` over BOOKED and
 * CHECKED_IN rows) so PostgreSQL answers from the constraints' own GiST indexes
 * instead of walking every past booking of a desk. The floor-wide question uses the
 * two-argument tstzrange (same '[)' bounds) to match Reservation_active_range_idx
 * (migration *_active_reservation_range_index): the constraints' indexes lead with
 * deskId/userId and are slow when asked by time alone.
 */
type Raw = Pick<Db.PrismaClient, '$queryRaw'>;

export interface OverlapRow {
  id: number;
  deskId: number;
  userId: number;
  startsAt: Date;
  endsAt: Date;
}

export async function overlappingOnFloor(
  db: Raw,
  floorId: number,
  startsAt: Date,
  endsAt: Date,
): Promise<OverlapRow[]> {
  return db.$queryRaw<OverlapRow[]>`
    SELECT r."id", r."deskId", r."userId", r."startsAt", r."endsAt"
    FROM "Reservation" r JOIN "Desk" d ON d."id" = r."deskId"
    WHERE d."floorId" = ${floorId}
      AND r."status" IN ('BOOKED', 'CHECKED_IN')
      AND tstzrange(r."startsAt", r."endsAt") && tstzrange(${startsAt}::timestamptz, ${endsAt}::timestamptz)`;
}

export interface FreeDesksQuery {
  floorId: number | Db.Prisma.Sql;
  exceptDeskId: number;
  startsAt: Date;
  endsAt: Date;
  limit: number;
}

/**
 * The first `limit` bookable desks of a floor (in label order, other than `exceptDeskId`) that no
 * active reservation overlaps for the range: what markAvailability would call available, asked
 * in one statement that returns only those rows. Each desk is tested through the desk
 * constraint's own index. `floorId` may be a column of an enclosing query (booking-locks.ts).
 */
export const freeDesksSql = (q: FreeDesksQuery) => Db.Prisma.sql`
    SELECT d."id", d."label", d."features"
    FROM "Desk" d
    WHERE d."floorId" = ${q.floorId} AND d."bookable" AND d."id" <> ${q.exceptDeskId}
      AND NOT EXISTS (SELECT 1 FROM "Reservation" r
        WHERE r."deskId" = d."id" AND r."status" IN ('BOOKED', 'CHECKED_IN')
          AND tstzrange(r."startsAt", r."endsAt", '[)') && tstzrange(${q.startsAt}::timestamptz, ${q.endsAt}::timestamptz, '[)'))
    ORDER BY d."label"
    LIMIT ${q.limit}`;

/** A desk free for the whole range asked about: what a refused booking offers instead. */
export interface FreeDesk {
  id: number;
  label: string;
  features: string[];
}

export const freeDesksOnFloor = (db: Raw, q: FreeDesksQuery): Promise<FreeDesk[]> =>
  db.$queryRaw<FreeDesk[]>(freeDesksSql(q));

/**
 * The first active reservation of a desk, or of a person, overlapping the range (not
 * counting `exceptId`): the kind pre-check that comes before the exclusion constraints.
 */
async function firstOverlap(
  db: Raw,
  by: 'deskId' | 'userId',
  id: number,
  startsAt: Date,
  endsAt: Date,
  exceptId: number,
): Promise<OverlapRow | null> {
  // `by` is one of two fixed column names, never input, so it may be spliced in raw.
  const rows = await db.$queryRaw<OverlapRow[]>`
    SELECT r."id", r."deskId", r."userId", r."startsAt", r."endsAt"
    FROM "Reservation" r
    WHERE r.${Db.Prisma.raw(`"${by}"`)} = ${id} AND r."id" <> ${exceptId}
      AND r."status" IN ('BOOKED', 'CHECKED_IN')
      AND tstzrange(r."startsAt", r."endsAt", '[)') && tstzrange(${startsAt}::timestamptz, ${endsAt}::timestamptz, '[)')
    LIMIT 1`;
  return rows[0] ?? null;
}

export const overlappingForDesk = (db: Raw, deskId: number, startsAt: Date, endsAt: Date, exceptId = 0) =>
  firstOverlap(db, 'deskId', deskId, startsAt, endsAt, exceptId);

export const overlappingForUser = (db: Raw, userId: number, startsAt: Date, endsAt: Date, exceptId = 0) =>
  firstOverlap(db, 'userId', userId, startsAt, endsAt, exceptId);

/** A desk as the floor plan places it. */
interface DeskOnPlan {
  id: number;
  label: string;
  features: string[];
  posX: number;
  posY: number;
  bookable: boolean;
}

export interface DeskRow extends DeskOnPlan {
  phone: { deviceName: string } | null;
}

export interface DeskAvailability extends DeskOnPlan {
  /** Bookable and free for the whole range. */
  available: boolean;
  /** Held (for part of the range at least) by the person asking. */
  mine: boolean;
  phoneDeviceName: string | null;
}

/** Does the desk have every wanted feature? (The API filters by it; the map greys out the rest.) */
export const hasFeatures = (desk: { features: string[] }, wanted: readonly string[]) =>
  wanted.every((f) => desk.features.includes(f));

/** Pure: desks plus the reservations overlapping the range -> each desk's state. */
export function markAvailability(
  desks: DeskRow[],
  overlapping: Pick<OverlapRow, 'deskId' | 'userId'>[],
  options: { features?: string[]; forUserId?: number } = {},
): DeskAvailability[] {
  const holders = new Map<number, Set<number>>();
  for (const r of overlapping) {
    const set = holders.get(r.deskId) ?? new Set<number>();
    set.add(r.userId);
    holders.set(r.deskId, set);
  }
  const wanted = options.features ?? [];
  return desks
    .filter((d) => hasFeatures(d, wanted))
    .map((d) => {
      const held = holders.get(d.id);
      return {
        id: d.id,
        label: d.label,
        features: d.features,
        posX: d.posX,
        posY: d.posY,
        bookable: d.bookable,
        available: d.bookable && !held,
        mine: options.forUserId !== undefined && (held?.has(options.forUserId) ?? false),
        phoneDeviceName: d.phone?.deviceName ?? null,
      };
    });
}

/** A floor's desks with their phone, in label order: one round trip (Prisma's include costs two). */
export async function desksOnFloor(db: Raw, floorId: number): Promise<DeskRow[]> {
  const rows = await db.$queryRaw<(Omit<DeskRow, 'phone'> & { deviceName: string | null })[]>`
    SELECT d."id", d."label", d."features", d."posX", d."posY", d."bookable", p."deviceName"
    FROM "Desk" d LEFT JOIN "Phone" p ON p."deskId" = d."id"
    WHERE d."floorId" = ${floorId}
    ORDER BY d."label"`;
  return rows.map(({ deviceName, ...d }) => ({ ...d, phone: deviceName === null ? null : { deviceName } }));
}
