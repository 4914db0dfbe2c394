import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdminServices } from '../../../admin/admin-services.js';
import type { BookingService } from '../../../booking/booking-service.js';
import { Instant, instant, reservationJson, reservationRoutes } from '../booking-api.js';
import { bodyLimit, Id, IdParams } from './admin-api-helpers.js';

/**
 * Bookings on behalf of others (the floor day page as JSON), through the booking service with
 * the caller as a staff actor: the same rules, conflicts (409) and rule breaks (422) as
 * POST /api/v1/reservations, and the same audit entries marked `onBehalf`.
 */
const tags = ['admin'];

const BookBody = Type.Object(
  {
    userId: Id,
    deskId: Id,
    start: Instant,
    end: Instant,
    enforcePolicy: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'false waives the calendar rules staff may waive (days ahead, working hours, length)',
      }),
    ),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({ userId: Id }, { additionalProperties: false });
const DayQuery = Type.Object(
  {
    date: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description: "YYYY-MM-DD in the site's zone; default today",
      }),
    ),
  },
  { additionalProperties: false },
);
const MoveBody = Type.Object({ deskId: Id }, { additionalProperties: false });

export async function reservationsAdminApi(
  app: FastifyInstance,
  opts: { bookings: BookingService; floorDay: AdminServices['floorDay'] },
) {
  const { bookings, floorDay } = opts;
  const anyone = reservationRoutes(app, {
    base: '/api/v1/admin/reservations',
    access: 'staff',
    bodyLimit,
    tags,
    bookings,
  });
  const { api, config, show } = anyone;

  api.get(
    '/api/v1/admin/reservations',
    { config, schema: { tags, summary: "A person's current and upcoming bookings", querystring: ListQuery } },
    async (request) => ({
      reservations: (await bookings.listForUser(request.query.userId)).map(reservationJson),
    }),
  );

  api.get(
    '/api/v1/admin/floors/:id/reservations',
    {
      config,
      schema: {
        tags,
        summary: "Everyone's bookings on a floor for one day (the floor day page)",
        params: IdParams,
        querystring: DayQuery,
      },
    },
    async (request) => {
      const day = await floorDay.day(request.params.id, request.query.date);
      const reservations = await Promise.all(day.bookings.map((b) => show(request, b.id)));
      return { floorId: day.floor.id, date: day.date, timeZone: day.zone, reservations };
    },
  );

  api.get(
    '/api/v1/admin/reservations/:id',
    { config, schema: { tags, summary: "Anyone's booking", params: IdParams } },
    async (request) => show(request, request.params.id),
  );

  anyone.book(
    {
      summary: 'Book a desk for someone',
      description:
        '201 with the booking; 409 when the desk or the person is taken; 422 when a booking rule is broken (`rule`).',
    },
    BookBody,
    (_request, { userId, deskId, start, end, enforcePolicy }) => ({
      userId,
      deskId,
      startsAt: instant(start, 'start'),
      endsAt: instant(end, 'end'),
      enforcePolicy: enforcePolicy ?? true,
    }),
  );

  anyone.lifecycle({
    cancel: 'Cancel someone’s booking that has not started',
    release: 'End someone’s current booking now',
    checkIn: 'Check someone in during the check-in window',
    extend: 'Move the end of someone’s booking later',
  });

  anyone.command(
    'move',
    'Move someone’s booking to another desk of the site',
    MoveBody,
    (actor, reservationId, { deskId }) => bookings.move({ actor, reservationId, deskId }),
  );
}
