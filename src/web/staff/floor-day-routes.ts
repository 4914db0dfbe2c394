import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { Fields, type Input } from '../../admin/validation.js';
import { actorFor, type BookingService } from '../../booking/booking-service.js';
import type { PrismaClient } from '../../db/database.js';
import { RoostError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import {
  addDays,
  formatLocalTime,
  localDate,
  parseWallTime,
  wallTimeToInstant,
  WallTimeError,
  zoneLabel,
} from '../../time/zones.js';
import { formOf, noErrors, rerender, staff, valuesOf, type FormErrors } from './staff-helpers.js';

type DayRequest = FastifyRequest<{ Params: { id: string }; Querystring: { date?: string } }>;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: unknown): v is string =>
  typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(v));

/**
 * A floor's day for staff: desks × hours in the site's zone, who sits where; book for
 * someone, cancel, move. Every change goes through the booking service, which records
 * the staff member as creator/updater (the person sees who did it) and audits it.
 */
export async function floorDayRoutes(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; clock: Clock; bookings: BookingService },
) {
  const { prisma, clock, bookings } = opts;

  async function dayPage(floorId: number, dateRaw: unknown, extra: Record<string, unknown> = {}) {
    const floor = await prisma.floor.findUnique({
      where: { id: floorId },
      include: {
        site: { include: { policy: true } },
        desks: { orderBy: { label: 'asc' }, select: { id: true, label: true, bookable: true } },
      },
    });
    if (!floor) throw new RoostError('NOT_FOUND', 'That floor was not found.');
    const zone = floor.site.timeZone;
    const date = isDate(dateRaw) ? dateRaw : localDate(zone, clock.now());
    const policy = floor.site.policy;
    const firstHour = Math.floor((policy?.workdayStartMinute ?? 420) / 60);
    const lastHour = Math.ceil((policy?.workdayEndMinute ?? 1200) / 60);
    // Hour columns by wall time; an hour skipped by a DST change has no column.
    const hours: { label: string; startsAt: Date; endsAt: Date }[] = [];
    for (let h = firstHour; h < lastHour; h++) {
      try {
        const startsAt = wallTimeToInstant(zone, parseWallTime(date, `${h}:00`));
        const endsAt =
          h + 1 >= 24
            ? wallTimeToInstant(zone, parseWallTime(addDays(date, 1), '00:00'))
            : wallTimeToInstant(zone, parseWallTime(date, `${h + 1}:00`));
        hours.push({ label: `${String(h).padStart(2, '0')}:00`, startsAt, endsAt });
      } catch (error) {
        if (!(error instanceof WallTimeError)) throw error;
      }
    }
    const dayStart = wallTimeToInstant(zone, parseWallTime(date, '00:00'));
    const dayEnd = wallTimeToInstant(zone, parseWallTime(addDays(date, 1), '00:00'));
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
        const r = reservations.find(
          (x) => x.deskId === desk.id && x.startsAt < hour.endsAt && x.endsAt > hour.startsAt,
        );
        return r
          ? { name: r.user.displayName, id: r.id, first: r.startsAt >= hour.startsAt || hour === hours[0] }
          : null;
      }),
    }));
    const label = zoneLabel(zone, dayStart);
    return {
      floor,
      zone,
      zoneLabel: label,
      date,
      prevDate: addDays(date, -1),
      nextDate: addDays(date, 1),
      hours,
      rows,
      bookings: reservations.map((r) => ({
        id: r.id,
        person: `${r.user.displayName} (${r.user.email})`,
        desk: r.desk.label,
        deskId: r.deskId,
        status: r.status,
        bookedBy: r.createdById && r.createdById !== r.userId ? (r.createdBy?.displayName ?? 'staff') : null,
        when: `${formatLocalTime(zone, r.startsAt)}–${formatLocalTime(zone, r.endsAt)} ${zoneLabel(zone, r.startsAt)}`,
      })),
      values: { date, start: '09:00', end: '17:00', deskId: '', email: '' },
      errors: noErrors,
      ...extra,
    };
  }

  app.get(
    '/staff/day',
    staff,
    async (request: FastifyRequest<{ Querystring: { floorId?: string; date?: string } }>, reply) => {
      const { floorId, date } = request.query;
      if (floorId && /^\d+$/.test(floorId))
        return reply.redirect(`/staff/floors/${floorId}/day${isDate(date) ? `?date=${date}` : ''}`, 303);
      const floors = await prisma.floor.findMany({
        orderBy: [{ site: { name: 'asc' } }, { level: 'asc' }],
        select: { id: true, name: true, site: { select: { name: true, timeZone: true } } },
      });
      return reply.render('staff/day-picker.eta', { floors });
    },
  );

  app.get('/staff/floors/:id/day', staff, async (request: DayRequest, reply) =>
    reply.render(
      'staff/floor-day.eta',
      await dayPage(parseId(request.params.id, 'That floor'), request.query.date),
    ),
  );

  /** Book on someone's behalf: the person by email, the desk, and wall times in the site's zone. */
  app.post(
    '/staff/floors/:id/day/book',
    staff,
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const floorId = parseId(request.params.id, 'That floor');
      const form = formOf(request);
      try {
        const input = await bookingInput(floorId, form);
        await bookings.book({
          actor: actorFor(request.user!),
          ...input.booking,
          enforcePolicy: input.enforcePolicy,
        });
        return reply
          .flash('success', `Booked desk ${input.deskLabel} for ${input.personName}.`)
          .redirect(`/staff/floors/${floorId}/day?date=${input.date}`, 303);
      } catch (error) {
        if (
          error instanceof RoostError &&
          (error.code === 'BOOKING_CONFLICT' || error.code === 'RULE_VIOLATION')
        ) {
          reply.status(error.code === 'BOOKING_CONFLICT' ? 409 : 422);
          return reply.render(
            'staff/floor-day.eta',
            await dayPage(floorId, form.date, {
              values: valuesOf(form),
              errors: { summary: error.message, fields: {} } satisfies FormErrors,
            }),
          );
        }
        return rerender(error, reply, 'staff/floor-day.eta', () =>
          dayPage(floorId, form.date, { values: valuesOf(form) }),
        );
      }
    },
  );

  async function bookingInput(floorId: number, form: Input) {
    const floor = await prisma.floor.findUnique({ where: { id: floorId }, include: { site: true } });
    if (!floor) throw new RoostError('NOT_FOUND', 'That floor was not found.');
    const zone = floor.site.timeZone;
    const f = new Fields(form);
    const email = f.email('email', 'Person (email)');
    const deskId = f.integer('deskId', 'Desk', { min: 1, max: 999_999_999 });
    const date = f.text('date', 'Date', { required: true });
    const start = f.text('start', 'Start', { required: true });
    const end = f.text('end', 'End', { required: true });
    const enforcePolicy = !f.boolean('waive', 'Waive booking rules');
    const person = email && !f.errors.email ? await prisma.user.findUnique({ where: { email } }) : null;
    if (email && !f.errors.email && (!person || person.disabled))
      f.fail('email', 'Person (email)', `${email} is not an active account.`);
    const desk = f.errors.deskId ? null : await prisma.desk.findFirst({ where: { id: deskId, floorId } });
    if (!f.errors.deskId && !desk) f.fail('deskId', 'Desk', "must be one of this floor's desks.");
    const instant = (field: string, label: string, d: string, t: string) => {
      try {
        return wallTimeToInstant(zone, parseWallTime(d, t));
      } catch (error) {
        if (!(error instanceof WallTimeError)) throw error;
        f.fail(field, label, error.message);
        return new Date(0);
      }
    };
    const startsAt = instant('start', 'Start', date, start);
    // An end at 00:00 means midnight at the end of the day.
    const endsAt = instant(
      'end',
      'End',
      end === '00:00' || end === '24:00' ? addDays(date, 1) : date,
      end === '24:00' ? '00:00' : end,
    );
    if (!f.errors.start && !f.errors.end && endsAt <= startsAt)
      f.fail('end', 'End', 'must be after the start.');
    f.done();
    return {
      booking: { userId: person!.id, deskId, startsAt, endsAt },
      enforcePolicy,
      date,
      deskLabel: desk!.label,
      personName: person!.displayName,
    };
  }

  /** Back to the day of the booking after a cancel or move, with what happened. */
  async function backToDay(reply: FastifyReply, reservationId: number) {
    const r = await prisma.reservation.findUnique({
      where: { id: reservationId },
      include: { desk: { include: { floor: { include: { site: true } } } } },
    });
    if (!r) return reply.redirect('/staff/day', 303);
    const date = localDate(r.desk.floor.site.timeZone, r.startsAt);
    return reply.redirect(`/staff/floors/${r.desk.floorId}/day?date=${date}`, 303);
  }

  app.post(
    '/staff/reservations/:id/cancel',
    staff,
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const id = parseId(request.params.id, 'That booking');
      try {
        await bookings.cancel({ actor: actorFor(request.user!), reservationId: id });
        reply.flash('success', `Booking ${id} cancelled. The person sees that you did it.`);
      } catch (error) {
        if (!(error instanceof RoostError) || error.code === 'NOT_FOUND') throw error;
        reply.flash('error', error.message);
      }
      return backToDay(reply, id);
    },
  );

  app.post(
    '/staff/reservations/:id/move',
    staff,
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const id = parseId(request.params.id, 'That booking');
      const f = new Fields(formOf(request));
      const deskId = f.integer('deskId', 'New desk', { min: 1, max: 999_999_999 });
      try {
        f.done();
        const moved = await bookings.move({ actor: actorFor(request.user!), reservationId: id, deskId });
        const desk = await prisma.desk.findUnique({ where: { id: moved.deskId } });
        reply.flash('success', `Booking ${id} moved to desk ${desk?.label ?? moved.deskId}.`);
      } catch (error) {
        if (!(error instanceof RoostError) || error.code === 'NOT_FOUND') throw error;
        reply.flash('error', error.message);
      }
      return backToDay(reply, id);
    },
  );
}
