import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parseDateInput } from '../../i18n/form-input.js';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import type { FloorDayService } from '../../admin/floor-day-service.js';
import { Fields } from '../../admin/validation.js';
import { actorFor, type BookingService } from '../../booking/booking-service.js';
import { RoostError } from '../../errors.js';
import { statusFor } from '../errors.js';
import { formOf, noErrors, rerender, staff, valuesOf, type FormErrors } from './staff-helpers.js';
import { IdParams } from '../route-schemas.js';

/** ?date= as the page's language writes it (2.12.2026) or ISO: parseDateInput() reads both. */
const DayQuery = Type.Object({ floorId: Type.Optional(Type.String()), date: Type.Optional(Type.String()) });

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: unknown): v is string => typeof v === 'string' && DATE.test(v);

/**
 * A floor's day for staff: desks × hours in the site's zone, who sits where; book for
 * someone, cancel, move. Every change goes through the booking service, which records
 * the staff member as creator/updater (the person sees who did it) and audits it.
 */
export async function floorDayRoutes(
  app: FastifyInstance,
  opts: { floorDay: FloorDayService; bookings: BookingService },
) {
  const { floorDay, bookings } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  async function dayPage(
    floorId: number,
    dateRaw: unknown,
    extra: Record<string, unknown> = {},
    opts: { lenient?: boolean } = {},
  ) {
    const day = await floorDay.day(floorId, dateRaw, opts);
    return {
      ...day,
      values: { date: day.date, start: '09:00', end: '17:00', deskId: '', email: '' },
      errors: noErrors,
      ...extra,
    };
  }

  typed.get('/staff/day', { ...staff, schema: { querystring: DayQuery } }, async (request, reply) => {
    const { floorId } = request.query;
    const date = parseDateInput(request.query.date) ?? request.query.date;
    if (floorId && /^\d+$/.test(floorId))
      return reply.redirect(`/staff/floors/${floorId}/day${isDate(date) ? `?date=${date}` : ''}`, 303);
    return reply.render('staff/day-picker.eta', { floors: await floorDay.floors() });
  });

  typed.get(
    '/staff/floors/:id/day',
    { ...staff, schema: { params: IdParams, querystring: DayQuery } },
    async (request, reply) =>
      reply.render(
        'staff/floor-day.eta',
        await dayPage(
          parseId(request.params.id, 'floor'),
          parseDateInput(request.query.date) ?? request.query.date,
        ),
      ),
  );

  /** Book on someone's behalf: the person by email, the desk, and wall times in the site's zone. */
  typed.post(
    '/staff/floors/:id/day/book',
    { ...staff, schema: { params: IdParams } },
    async (request, reply) => {
      const floorId = parseId(request.params.id, 'floor');
      const form = formOf(request);
      // The date as the page's language writes it (2.12.2026) or ISO; the service reads ISO.
      if (typeof form.date === 'string') form.date = parseDateInput(form.date) ?? form.date;
      try {
        const input = await floorDay.bookingInput(floorId, form);
        await bookings.book({
          actor: actorFor(request.user!),
          ...input.booking,
          enforcePolicy: input.enforcePolicy,
        });
        return reply
          .flash('success', request.t('flash.bookedFor', { desk: input.deskLabel, name: input.personName }))
          .redirect(`/staff/floors/${floorId}/day?date=${input.date}`, 303);
      } catch (error) {
        if (
          error instanceof RoostError &&
          (error.code === 'BOOKING_CONFLICT' || error.code === 'RULE_VIOLATION')
        ) {
          reply.status(statusFor[error.code]);
          return reply.render(
            'staff/floor-day.eta',
            await dayPage(
              floorId,
              form.date,
              {
                values: valuesOf(form),
                errors: { summary: request.say(error.text), fields: {} } satisfies FormErrors,
              },
              { lenient: true },
            ),
          );
        }
        return rerender(error, reply, 'staff/floor-day.eta', () =>
          dayPage(floorId, form.date, { values: valuesOf(form) }, { lenient: true }),
        );
      }
    },
  );

  /** Back to the day of the booking after a cancel or move, with what happened. */
  async function backToDay(reply: FastifyReply, reservationId: number) {
    const day = await floorDay.dayOfBooking(reservationId);
    if (!day) return reply.redirect('/staff/day', 303);
    return reply.redirect(`/staff/floors/${day.floorId}/day?date=${day.date}`, 303);
  }

  typed.post(
    '/staff/reservations/:id/cancel',
    { ...staff, schema: { params: IdParams } },
    async (request, reply) => {
      const id = parseId(request.params.id, 'booking');
      try {
        await bookings.cancel({ actor: actorFor(request.user!), reservationId: id });
        reply.flash('success', request.t('flash.bookingCancelledFor', { id }));
      } catch (error) {
        if (!(error instanceof RoostError) || error.code === 'NOT_FOUND') throw error;
        reply.flash('error', request.say(error.text));
      }
      return backToDay(reply, id);
    },
  );

  typed.post(
    '/staff/reservations/:id/move',
    { ...staff, schema: { params: IdParams } },
    async (request, reply) => {
      const id = parseId(request.params.id, 'booking');
      const f = new Fields(formOf(request));
      const deskId = f.integer('deskId', 'problem.label.newDesk', { min: 1, max: 999_999_999 });
      try {
        f.done();
        const moved = await bookings.move({ actor: actorFor(request.user!), reservationId: id, deskId });
        const label = await floorDay.deskLabel(moved.deskId);
        reply.flash('success', request.t('flash.bookingMoved', { id, desk: label ?? moved.deskId }));
      } catch (error) {
        if (!(error instanceof RoostError) || error.code === 'NOT_FOUND') throw error;
        reply.flash('error', request.say(error.text));
      }
      return backToDay(reply, id);
    },
  );
}
