import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CalendarService } from '../calendar/calendar-feed.js';
import { RoostError } from '../errors.js';
import type { PhonePins } from '../phone-service/phone-pins.js';
import { publicUrls } from './public-url.js';

/** The PIN form: the new PIN, typed twice. */
const PinBody = Type.Object({
  pin: Type.String({ maxLength: 64 }),
  confirm: Type.String({ maxLength: 64 }),
  _csrf: Type.Optional(Type.String()),
});

/**
 * The signed-in person's own settings for issue 8: the PIN typed on desk phones, and the
 * private calendar feed. Forms POST then redirect, except where a secret is shown once
 * (the new feed URL: only its hash is kept, so it cannot be shown again later).
 */
export async function accountRoutes(
  app: FastifyInstance,
  opts: { pins: PhonePins; calendar: CalendarService; publicUrl: string },
) {
  const { pins, calendar } = opts;
  // Feed links come from ROOST_PUBLIC_URL, never from the Host header of the request.
  const urls = publicUrls(opts.publicUrl);
  const me = (request: FastifyRequest) => request.user!;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  async function pinPage(reply: FastifyReply, userId: number, error: string | null = null) {
    const status = await pins.status(userId);
    if (error) reply.status(400);
    return reply.render('account/phone-pin.eta', { ...status, error });
  }

  app.get('/account/phone-pin', { config: { access: 'user' } }, async (request, reply) =>
    pinPage(reply, me(request).id),
  );

  typed.post(
    '/account/phone-pin',
    { config: { access: 'user' }, schema: { body: PinBody } },
    async (request, reply) => {
      const { pin, confirm } = request.body;
      if (pin !== confirm)
        return pinPage(reply, me(request).id, 'The two PINs do not match. Type the same PIN twice.');
      try {
        await pins.set(me(request).id, pin.trim());
      } catch (error) {
        if (error instanceof RoostError && error.code === 'INVALID_INPUT')
          return pinPage(reply, me(request).id, request.say(error.text));
        throw error;
      }
      reply.flash('success', request.t('flash.pinSet'));
      return reply.redirect('/account/phone-pin', 303);
    },
  );

  app.post('/account/phone-pin/remove', { config: { access: 'user' } }, async (request, reply) => {
    await pins.clear(me(request).id);
    reply.flash('info', request.t('flash.pinRemoved'));
    return reply.redirect('/account/phone-pin', 303);
  });

  async function calendarPage(request: FastifyRequest, reply: FastifyReply, newToken: string | null) {
    const user = me(request);
    return reply.render('account/calendar.eta', {
      hasFeed: await calendar.hasFeed(user.id),
      feedUrl: newToken ? urls.to(`/calendar/${newToken}.ics`) : null,
      webcalUrl: newToken ? urls.webcal(`/calendar/${newToken}.ics`) : null,
      bookings: await calendar.upcoming(user.id),
    });
  }

  app.get('/account/calendar', { config: { access: 'user' } }, async (request, reply) =>
    calendarPage(request, reply, null),
  );

  // Shows the new URL in the response itself: it exists nowhere else (only its hash is stored).
  app.post('/account/calendar/reset', { config: { access: 'user' } }, async (request, reply) => {
    const token = await calendar.issueToken(me(request).id);
    return calendarPage(request, reply, token);
  });

  app.post('/account/calendar/revoke', { config: { access: 'user' } }, async (request, reply) => {
    await calendar.revoke(me(request).id);
    reply.flash('info', request.t('flash.calendarOff'));
    return reply.redirect('/account/calendar', 303);
  });
}
