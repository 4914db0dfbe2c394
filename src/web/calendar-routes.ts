import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CalendarService } from '../calendar/calendar-feed.js';
import { notFound } from '../errors.js';
import { isStaff } from './access.js';

/** A URL with the secret of a calendar feed path replaced, for logs. */
export const redactFeedUrl = (url: string) => url.replace(/\/calendar\/[^/?#]+\.ics/g, '/calendar/***.ics');

const ICS_TYPE = 'text/calendar; charset=utf-8';

/**
 * The private feed (`/calendar/<token>.ics`, public: calendar apps cannot sign in, the token is
 * the credential) and one booking as an .ics download (signed in; own bookings, staff any).
 */
export async function calendarRoutes(app: FastifyInstance, opts: { calendar: CalendarService }) {
  const { calendar } = opts;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/calendar/:token.ics',
    {
      config: { access: 'public' },
      schema: { params: Type.Object({ token: Type.String({ maxLength: 200 }) }) },
      // The URL is the credential: the request log shows /calendar/***.ics, never the token.
      logSerializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactFeedUrl(req.url),
          host: req.host,
          remoteAddress: req.ip,
        }),
      },
    },
    async (request, reply) => {
      const feed = await calendar.feed(request.params.token);
      // Same answer for a token never issued and one that was reset: the old URL is gone.
      if (feed === null) throw notFound('calendarFeed');
      return reply
        .header('content-type', ICS_TYPE)
        .header('cache-control', 'private, no-cache')
        .header('content-disposition', 'inline; filename="roost-bookings.ics"')
        .header('x-robots-tag', 'noindex')
        .send(feed);
    },
  );

  api.get(
    '/reservations/:id.ics',
    {
      config: { access: 'user' },
      schema: { params: Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }) },
    },
    async (request, reply) => {
      const user = request.user!;
      const file = await calendar.bookingIcs(
        { id: user.id, isStaff: isStaff(user) },
        request.params.id,
        request.lang,
      );
      // Someone else's booking answers like a missing one: no probing for ids.
      if (!file) throw notFound('booking', request.params.id);
      return reply
        .header('content-type', ICS_TYPE)
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="roost-booking-${file.id}.ics"`)
        .send(file.ics);
    },
  );
}
