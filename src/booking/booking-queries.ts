import { Db, type PrismaClient } from '../db/database.js';
import type { SqlDatabase } from '../db/sql.js';
import { notFound } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { DAY_MS } from '../time/clock.js';
import { desksOnFloor, markAvailability, overlappingOnFloor } from './availability.js';
import { checkRange, policyOf } from './booking-rules.js';
import { summarize, summaryRows } from './booking-summary.js';
import { isStaffActor, type BookingService } from './booking-types.js';

/** Longest range the availability question may span. */
export const MAX_AVAILABILITY_RANGE_MS = 14 * DAY_MS;

export type BookingQueries = Pick<
  BookingService,
  'sites' | 'availability' | 'listForUser' | 'get' | 'deskPlace'
>;

/** What the pages and the API read: sites, availability, a person's bookings, one booking, a desk's place. */
export function createBookingQueries({
  prisma,
  sql,
  clock,
}: {
  prisma: PrismaClient;
  sql: SqlDatabase;
  clock: Clock;
}): BookingQueries {
  return {
    async sites() {
      const sites = await prisma.site.findMany({
        orderBy: { name: 'asc' },
        include: { policy: true, floors: { orderBy: [{ level: 'asc' }, { name: 'asc' }] } },
      });
      return sites.map((s) => ({
        id: s.id,
        name: s.name,
        timeZone: s.timeZone,
        address: s.address,
        policy: policyOf(s),
        floors: s.floors.map((f) => ({ id: f.id, name: f.name, level: f.level })),
      }));
    },

    async availability(input) {
      checkRange(input.startsAt, input.endsAt, MAX_AVAILABILITY_RANGE_MS, 'search');
      const floor = await prisma.floor.findUnique({
        where: { id: input.floorId },
        include: { site: { include: { policy: true } } },
      });
      if (!floor) throw notFound('floor', input.floorId);
      const [desks, taken] = await Promise.all([
        desksOnFloor(prisma, floor.id),
        overlappingOnFloor(prisma, floor.id, input.startsAt, input.endsAt),
      ]);
      return {
        floor: {
          id: floor.id,
          name: floor.name,
          level: floor.level,
          planSvg: floor.planSvg,
          planWidth: floor.planWidth,
          planHeight: floor.planHeight,
        },
        site: { id: floor.site.id, name: floor.site.name, timeZone: floor.site.timeZone },
        policy: policyOf(floor.site),
        desks: markAvailability(desks, taken, {
          ...(input.features ? { features: input.features } : {}),
          ...(input.forUserId !== undefined ? { forUserId: input.forUserId } : {}),
        }),
      };
    },

    async listForUser(userId, opts = {}) {
      const now = clock.now();
      const rows = await summaryRows(
        sql,
        Db.Prisma.sql`r."userId" = ${userId} AND r."status" IN ('BOOKED', 'CHECKED_IN')
          AND r."endsAt" > ${opts.from ?? now}::timestamptz`,
        Db.Prisma.sql`ORDER BY r."startsAt", r."id" LIMIT 200`,
      );
      return rows.map((r) => summarize(r, now));
    },

    async get({ actor, reservationId }) {
      const [r] = await summaryRows(sql, Db.Prisma.sql`r."id" = ${reservationId}`);
      if (!r || (!isStaffActor(actor) && r.userId !== actor.id)) throw notFound('booking', reservationId);
      return summarize(r, clock.now());
    },

    async deskPlace(deskId) {
      const desk = await prisma.desk.findUnique({
        where: { id: deskId },
        select: { id: true, floorId: true, floor: { select: { site: { select: { timeZone: true } } } } },
      });
      return desk ? { id: desk.id, floorId: desk.floorId, zone: desk.floor.site.timeZone } : null;
    },
  };
}
