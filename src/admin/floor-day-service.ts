import { DEFAULT_POLICY, wallTimeProblem } from '../booking/booking-rules.js';
import { invalidFields, msg, notFound } from '../errors.js';
import {
  addDays,
  localDate,
  parseCalendarDate,
  parseWallTime,
  startOfLocalDay,
  wallTimeEndToInstant,
  wallTimeToInstant,
  WallTimeError,
} from '../time/zones.js';
import type { AdminDeps } from './admin-deps.js';
import { Fields, type Input } from './validation.js';

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;

export interface DayHour {
  label: string;
  startsAt: Date;
  endsAt: Date;
}

/** [startsAt, endsAt) overlaps [from, to): the half-open rule, as in the constraints. */
const overlaps = (r: { startsAt: Date; endsAt: Date }, from: Date, to: Date) =>
  r.startsAt < to && r.endsAt > from;

/**
 * The date a floor-day page shows: none, or text not shaped like a date, means today in the
 * site's zone; a date-shaped text that is no real day (2026-02-30, 0000-01-01) is the
 * person's mistake and answered as such (400), not a server error.
 */
function dayOf(zone: string, raw: unknown, now: Date, lenient: boolean): string {
  if (typeof raw !== 'string' || !DATE_SHAPE.test(raw)) return localDate(zone, now);
  if (lenient) {
    try {
      return parseCalendarDate(raw);
    } catch {
      return localDate(zone, now);
    }
  }
  try {
    return parseCalendarDate(raw);
  } catch (error) {
    if (error instanceof WallTimeError) throw invalidFields({ date: wallTimeProblem(error) });
    throw error;
  }
}

/** Hour columns by wall time between the workday's start and end; an hour skipped by DST has none. */
function hourColumns(zone: string, date: string, startMinute: number, endMinute: number): DayHour[] {
  const hours: DayHour[] = [];
  for (let h = Math.floor(startMinute / 60); h < Math.ceil(endMinute / 60); h++) {
    try {
      const startsAt = wallTimeToInstant(zone, parseWallTime(date, `${h}:00`));
      const endsAt = wallTimeEndToInstant(zone, date, `${h + 1}:00`);
      hours.push({ label: `${String(h).padStart(2, '0')}:00`, startsAt, endsAt });
    } catch (error) {
      if (!(error instanceof WallTimeError)) throw error;
    }
  }
  return hours;
}

/**
 * Where a booking can move, free desks first: the floor's other bookable desks not held by
 * another booking overlapping its time (half-open), then the taken ones, marked, for a swap
 * done in two steps. Desks out of use are not offered.
 */
export function moveTargets(
  desks: { id: number; label: string; bookable: boolean }[],
  bookings: { id: number; deskId: number; startsAt: Date; endsAt: Date }[],
  booking: { id: number; deskId: number; startsAt: Date; endsAt: Date },
): { deskId: number; label: string; free: boolean }[] {
  const taken = new Set(
    bookings
      .filter((b) => b.id !== booking.id && overlaps(b, booking.startsAt, booking.endsAt))
      .map((b) => b.deskId),
  );
  const options = desks
    .filter((d) => d.bookable && d.id !== booking.deskId)
    .map((d) => ({ deskId: d.id, label: d.label, free: !taken.has(d.id) }));
  return [...options.filter((o) => o.free), ...options.filter((o) => !o.free)];
}

/**
 * A floor's day for staff (desks × hours in the site's zone, who sits where) and the input
 * of "book for someone" checked against the database. Changes themselves go through the
 * booking service.
 */
export function createFloorDayService({ prisma, clock }: AdminDeps) {
  async function floorWithSite(floorId: number) {
    const floor = await prisma.floor.findUnique({
      where: { id: floorId },
      include: {
        site: { include: { policy: true } },
        desks: { orderBy: { label: 'asc' }, select: { id: true, label: true, bookable: true } },
      },
    });
    if (!floor) throw notFound('floor');
    return floor;
  }

  return {
    /** Floors for the day picker, by site and level. */
    floors: () =>
      prisma.floor.findMany({
        orderBy: [{ site: { name: 'asc' } }, { level: 'asc' }],
        select: { id: true, name: true, site: { select: { name: true, timeZone: true } } },
      }),

    /**
     * The page's facts for a date. `lenient` (re-showing a refused form, whose own field
     * error says what was wrong with its date) shows today for a date that is no real day.
     */
    async day(floorId: number, dateRaw: unknown, opts: { lenient?: boolean } = {}) {
      const floor = await floorWithSite(floorId);
      const zone = floor.site.timeZone;
      const date = dayOf(zone, dateRaw, clock.now(), opts.lenient ?? false);
      const policy = floor.site.policy ?? DEFAULT_POLICY;
      const hours = hourColumns(zone, date, policy.workdayStartMinute, policy.workdayEndMinute);
      const dayStart = startOfLocalDay(zone, date);
      const dayEnd = startOfLocalDay(zone, addDays(date, 1));
      const reservations = await prisma.reservation.findMany({
        where: {
          desk: { floorId },
          status: { in: ['BOOKED', 'CHECKED_IN'] },
          startsAt: { lt: dayEnd },
          endsAt: { gt: dayStart },
        },
        orderBy: { startsAt: 'asc' },
        include: {
          user: { select: { id: true, displayName: true, email: true } },
          createdBy: { select: { displayName: true } },
          desk: { select: { label: true } },
        },
      });
      const rows = floor.desks.map((desk) => ({
        desk,
        cells: hours.map((hour) => {
          const r = reservations.find((x) => x.deskId === desk.id && overlaps(x, hour.startsAt, hour.endsAt));
          return r
            ? { name: r.user.displayName, id: r.id, first: r.startsAt >= hour.startsAt || hour === hours[0] }
            : null;
        }),
      }));
      return {
        floor,
        zone,
        /** The day's first instant: the zone's abbreviation (CET/MEZ) is the one then. */
        dayStart,
        date,
        prevDate: addDays(date, -1),
        nextDate: addDays(date, 1),
        hours,
        rows,
        bookings: reservations.map((r) => ({
          id: r.id,
          moveTargets: moveTargets(floor.desks, reservations, r),
          person: r.user.displayName,
          email: r.user.email,
          desk: r.desk.label,
          deskId: r.deskId,
          status: r.status,
          bookedBy:
            r.createdById && r.createdById !== r.userId ? (r.createdBy?.displayName ?? 'staff') : null,
          startsAt: r.startsAt,
          endsAt: r.endsAt,
        })),
      };
    },

    /** "Book for someone": the person by email, a desk of this floor, wall times in the site's zone. */
    async bookingInput(floorId: number, form: Input) {
      const floor = await prisma.floor.findUnique({ where: { id: floorId }, include: { site: true } });
      if (!floor) throw notFound('floor');
      const zone = floor.site.timeZone;
      const f = new Fields(form);
      const email = f.email('email', 'problem.label.personEmail');
      const deskId = f.integer('deskId', 'problem.label.desk', { min: 1, max: 999_999_999 });
      const date = f.text('date', 'problem.label.date', { required: true });
      const start = f.text('start', 'problem.label.start', { required: true });
      const end = f.text('end', 'problem.label.end', { required: true });
      const enforcePolicy = !f.boolean('waive', 'problem.label.waiveBookingRules');
      const person = email && !f.errors.email ? await prisma.user.findUnique({ where: { email } }) : null;
      if (email && !f.errors.email && (!person || person.disabled))
        f.fail('email', 'problem.label.personEmail', msg('problem.day.notActive', { email }));
      const desk = f.errors.deskId ? null : await prisma.desk.findFirst({ where: { id: deskId, floorId } });
      if (!f.errors.deskId && !desk) f.fail('deskId', 'problem.label.desk', msg('problem.day.deskOfFloor'));
      const instant = (field: string, label: string, at: () => Date) => {
        try {
          return at();
        } catch (error) {
          if (!(error instanceof WallTimeError)) throw error;
          f.fail(field, label, wallTimeProblem(error));
          return new Date(0);
        }
      };
      const startsAt = instant('start', 'problem.label.start', () =>
        wallTimeToInstant(zone, parseWallTime(date, start)),
      );
      const endsAt = instant('end', 'problem.label.end', () =>
        wallTimeEndToInstant(zone, date, end, { zeroIsMidnight: true }),
      );
      if (!f.errors.start && !f.errors.end && endsAt <= startsAt)
        f.fail('end', 'problem.label.end', msg('problem.fields.afterStart'));
      f.done();
      return {
        booking: { userId: person!.id, deskId, startsAt, endsAt },
        enforcePolicy,
        date,
        deskLabel: desk!.label,
        personName: person!.displayName,
      };
    },

    /** Where a booking's day page is (after a cancel or move); null when the booking is gone. */
    async dayOfBooking(reservationId: number): Promise<{ floorId: number; date: string } | null> {
      const r = await prisma.reservation.findUnique({
        where: { id: reservationId },
        include: { desk: { include: { floor: { include: { site: true } } } } },
      });
      return r ? { floorId: r.desk.floorId, date: localDate(r.desk.floor.site.timeZone, r.startsAt) } : null;
    },

    async deskLabel(deskId: number): Promise<string | null> {
      return (
        (await prisma.desk.findUnique({ where: { id: deskId }, select: { label: true } }))?.label ?? null
      );
    },
  };
}

export type FloorDayService = ReturnType<typeof createFloorDayService>;
