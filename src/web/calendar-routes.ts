import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { calendarFeed, reservationIcs, reservationInclude } from '../calendar/calendar-feed.js';
import type { PrismaClient } from '../db/database.js';
import { notFound } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { isStaff } from './access.js';

const ICS_TYPE = 'text/calendar; charset=utf-8';

/**
 * The private feed (`/calendar/<token>.ics`, public: calendar apps cannot sign in, the token is
 * the credential) and one booking as an .ics download (signed in; own bookings, staff any).
 */
export async function calendarRoutes(app: FastifyInstance, opts: { prisma: PrismaClient; clock: Clock }) {
  const { prisma, clock } = opts;

  app.get(
    '/calendar/:token.ics',
    {
      config: { access: 'public' },
      schema: { params: Type.Object({ token: Type.String({ maxLength: 200 }) }) },
    },
    async (request: FastifyRequest<{ Params: { token: string } }>, reply) => {
      const feed = await calendarFeed(prisma, request.params.token, clock.now());
      // Same answer for a token never issued and one that was reset: the old URL is gone.
      if (feed === null) throw notFound('This calendar feed');
      return reply
        .header('content-type', ICS_TYPE)
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', 'inline; filename="roost-bookings.ics"')
        .header('x-robots-tag', 'noindex')
        .send(feed);
    },
  );

  app.get(
    '/reservations/:id.ics',
    {
      config: { access: 'user' },
      schema: { params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }) },
    },
    async (request: FastifyRequest<{ Params: { id: number } }>, reply) => {
      const user = request.user!;
      const r = await prisma.reservation.findUnique({
        where: { id: request.params.id },
        include: reservationInclude,
      });
      // Someone else's booking answers like a missing one: no probing for ids.
      if (!r || (r.userId !== user.id && !isStaff(user))) throw notFound(`Booking ${request.params.id}`);
      return reply
        .header('content-type', ICS_TYPE)
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="roost-booking-${r.id}.ics"`)
        .send(await reservationIcs(prisma, r, request.lang));
    },
  );
}
