import { randomUUID } from 'node:crypto';
import { Db, type PrismaClient } from '../db/database.js';
import { notFound } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { summarize, summaryRows } from './booking-summary.js';
import type { BookingActor, BookingService, BookingSummary, SeriesResult } from './booking-types.js';

/**
 * A person's own desks beyond single bookings: favourites, the last desk they sat at
 * ("Book again"), past bookings page by page, and series booked together that can be
 * cancelled as a whole. Bookings still go through the booking service (rules, locks,
 * phone jobs, audit); this module only remembers and reads.
 */
export type MyDesks = ReturnType<typeof createMyDesks>;

export const PAST_PAGE_SIZE = 20;
/** How long after booking the page offers Undo (a stray tap is noticed within seconds). */
export const UNDO_SECONDS = 30;

export interface DeskChoice {
  id: number;
  label: string;
  floorId: number;
  floorName: string;
  siteId: number;
  siteName: string;
}

const deskChoiceInclude = { floor: { include: { site: true } } } as const;
const choiceOf = (d: {
  id: number;
  label: string;
  floorId: number;
  floor: { name: string; siteId: number; site: { name: string } };
}): DeskChoice => ({
  id: d.id,
  label: d.label,
  floorId: d.floorId,
  floorName: d.floor.name,
  siteId: d.floor.siteId,
  siteName: d.floor.site.name,
});

export function createMyDesks({
  prisma,
  clock,
  bookings,
}: {
  prisma: PrismaClient;
  clock: Clock;
  bookings: BookingService;
}) {
  return {
    async favourites(userId: number): Promise<DeskChoice[]> {
      const rows = await prisma.favouriteDesk.findMany({
        where: { userId },
        include: { desk: { include: deskChoiceInclude } },
        orderBy: { createdAt: 'asc' },
      });
      return rows.map((r) => choiceOf(r.desk));
    },

    async setFavourite(userId: number, deskId: number, favourite: boolean): Promise<DeskChoice> {
      const desk = await prisma.desk.findUnique({ where: { id: deskId }, include: deskChoiceInclude });
      if (!desk) throw notFound('desk', deskId);
      if (favourite)
        await prisma.favouriteDesk.upsert({
          where: { userId_deskId: { userId, deskId } },
          create: { userId, deskId },
          update: {},
        });
      else await prisma.favouriteDesk.deleteMany({ where: { userId, deskId } });
      return choiceOf(desk);
    },

    /** The desk of the person's most recent booking that has begun (cancelled ones do not count). */
    async lastDesk(userId: number): Promise<DeskChoice | null> {
      const r = await prisma.reservation.findFirst({
        where: { userId, startsAt: { lte: clock.now() }, status: { not: 'CANCELLED' } },
        orderBy: { startsAt: 'desc' },
        include: { desk: { include: deskChoiceInclude } },
      });
      return r ? choiceOf(r.desk) : null;
    },

    /** Bookings that ended (or were cancelled, released), newest first; page 1 is the latest. */
    async past(userId: number, page: number): Promise<{ items: BookingSummary[]; hasMore: boolean }> {
      const now = clock.now();
      const rows = await summaryRows(
        prisma,
        Db.Prisma.sql`r."userId" = ${userId}
          AND (r."endsAt" <= ${now}::timestamptz OR r."status" IN ('CANCELLED', 'RELEASED', 'COMPLETED', 'NO_SHOW'))`,
        Db.Prisma.sql`ORDER BY r."startsAt" DESC, r."id" DESC
          OFFSET ${(page - 1) * PAST_PAGE_SIZE} LIMIT ${PAST_PAGE_SIZE + 1}`,
      );
      return {
        items: rows.slice(0, PAST_PAGE_SIZE).map((r) => summarize(r, now)),
        hasMore: rows.length > PAST_PAGE_SIZE,
      };
    },

    /** Books a series and marks its days as one series, so it can be cancelled as a whole. */
    async bookSeries(input: Parameters<BookingService['bookSeries']>[0]): Promise<SeriesResult> {
      const result = await bookings.bookSeries(input);
      if (result.booked.length > 1)
        await prisma.reservation.updateMany({
          where: { id: { in: result.booked.map((b) => b.reservation.id) } },
          data: { seriesId: randomUUID() },
        });
      return result;
    },

    /** Until when the person's booking may be undone (its first UNDO_SECONDS); null once too late. */
    async undoableUntil(userId: number, reservationId: number): Promise<Date | null> {
      const r = await prisma.reservation.findUnique({ where: { id: reservationId } });
      if (!r || r.userId !== userId || (r.status !== 'BOOKED' && r.status !== 'CHECKED_IN')) return null;
      // The audit event carries the booking's instant by the injected clock (createdAt is the database's).
      const made = await prisma.auditEvent.findFirst({
        where: { action: 'reservation.create', subjectType: 'Reservation', subjectId: String(r.id) },
        select: { at: true },
      });
      if (!made) return null;
      const until = new Date(made.at.getTime() + UNDO_SECONDS * 1000);
      return until > clock.now() ? until : null;
    },

    /** The series ids of these bookings (null: a single booking). */
    async seriesOf(reservationIds: number[]): Promise<Map<number, string | null>> {
      const rows = await prisma.reservation.findMany({
        where: { id: { in: reservationIds } },
        select: { id: true, seriesId: true },
      });
      return new Map(rows.map((r) => [r.id, r.seriesId]));
    },

    /**
     * Cancels every day of the series that has not begun, one by one through the booking
     * service (each with its phone jobs and audit). Days already begun stay: release those.
     */
    async cancelSeries(actor: BookingActor, reservationId: number): Promise<{ cancelled: number }> {
      const one = await prisma.reservation.findUnique({ where: { id: reservationId } });
      if (!one || one.userId !== actor.id) throw notFound('booking', reservationId);
      const days = one.seriesId
        ? await prisma.reservation.findMany({
            where: {
              seriesId: one.seriesId,
              userId: actor.id,
              status: 'BOOKED',
              startsAt: { gt: clock.now() },
            },
            select: { id: true },
          })
        : [{ id: one.id }];
      for (const day of days) await bookings.cancel({ actor, reservationId: day.id });
      return { cancelled: days.length };
    },
  };
}
