import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminServices } from '../../../admin/admin-services.js';
import { actorFor, type BookingService } from '../../../booking/booking-service.js';
import { Instant, instant, reservationJson } from '../booking-api.js';
import { bodyLimit, Id, IdParams, staff } from './admin-api-helpers.js';

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
const ExtendBody = Type.Object({ end: Instant }, { additionalProperties: false });
const MoveBody = Type.Object({ deskId: Id }, { additionalProperties: false });

type WithId = FastifyRequest<{ Params: { id: number } }>;

export async function reservationsAdminApi(
  app: FastifyInstance,
  opts: { bookings: BookingService; floorDay: AdminServices['floorDay'] },
) {
  const { bookings, floorDay } = opts;
  const summary = (request: FastifyRequest, reservationId: number) =>
    bookings.get({ actor: actorFor(request.user!), reservationId }).then(reservationJson);

  app.get(
    '/api/v1/admin/reservations',
    {
      ...staff,
      schema: { tags, summary: "A person's current and upcoming bookings", querystring: ListQuery },
    },
    async (request: FastifyRequest<{ Querystring: Static<typeof ListQuery> }>) => ({
      reservations: (await bookings.listForUser(request.query.userId)).map(reservationJson),
    }),
  );

  app.get(
    '/api/v1/admin/floors/:id/reservations',
    {
      ...staff,
      schema: {
        tags,
        summary: "Everyone's bookings on a floor for one day (the floor day page)",
        params: IdParams,
        querystring: DayQuery,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Querystring: Static<typeof DayQuery> }>) => {
      const day = await floorDay.day(request.params.id, request.query.date);
      const reservations = await Promise.all(day.bookings.map((b) => summary(request, b.id)));
      return { floorId: day.floor.id, date: day.date, timeZone: day.zone, reservations };
    },
  );

  app.get(
    '/api/v1/admin/reservations/:id',
    { ...staff, schema: { tags, summary: "Anyone's booking", params: IdParams } },
    async (request: WithId) => summary(request, request.params.id),
  );

  app.post(
    '/api/v1/admin/reservations',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Book a desk for someone',
        description:
          '201 with the booking; 409 when the desk or the person is taken; 422 when a booking rule is broken (`rule`).',
        body: BookBody,
      },
    },
    async (request: FastifyRequest<{ Body: Static<typeof BookBody> }>, reply) => {
      const { userId, deskId, start, end, enforcePolicy } = request.body;
      const r = await bookings.book({
        actor: actorFor(request.user!),
        userId,
        deskId,
        startsAt: instant(start, 'start'),
        endsAt: instant(end, 'end'),
        enforcePolicy: enforcePolicy ?? true,
      });
      reply.status(201).header('location', `/api/v1/admin/reservations/${r.id}`);
      return summary(request, r.id);
    },
  );

  const actions = [
    ['cancel', 'Cancel someone’s booking that has not started', 'cancel'],
    ['release', 'End someone’s current booking now', 'release'],
    ['check-in', 'Check someone in during the check-in window', 'checkIn'],
  ] as const;
  for (const [path, text, method] of actions) {
    app.post(
      `/api/v1/admin/reservations/:id/${path}`,
      { ...staff, bodyLimit, schema: { tags, summary: text, params: IdParams } },
      async (request: WithId) => {
        await bookings[method]({ actor: actorFor(request.user!), reservationId: request.params.id });
        return summary(request, request.params.id);
      },
    );
  }

  app.post(
    '/api/v1/admin/reservations/:id/extend',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Move the end of someone’s booking later',
        params: IdParams,
        body: ExtendBody,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof ExtendBody> }>) => {
      await bookings.extend({
        actor: actorFor(request.user!),
        reservationId: request.params.id,
        endsAt: instant(request.body.end, 'end'),
      });
      return summary(request, request.params.id);
    },
  );

  app.post(
    '/api/v1/admin/reservations/:id/move',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Move someone’s booking to another desk of the site',
        params: IdParams,
        body: MoveBody,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof MoveBody> }>) => {
      await bookings.move({
        actor: actorFor(request.user!),
        reservationId: request.params.id,
        deskId: request.body.deskId,
      });
      return summary(request, request.params.id);
    },
  );
}
