import { Type, type Static } from '@sinclair/typebox';
import { DateTime } from 'luxon';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { localRange, seriesDates, wallTimeProblem } from '../booking/booking-rules.js';
import { actorFor, type BookingService } from '../booking/booking-service.js';
import { RoostError, invalidInput, msg } from '../errors.js';
import {
  DATE_INPUT_PATTERN,
  parseDateInput,
  parseTimeInput,
  TIME_INPUT_PATTERN,
} from '../i18n/form-input.js';
import type { Clock } from '../time/clock.js';
import { addDays, localDate, parseWallTime, wallTimeToInstant, WallTimeError } from '../time/zones.js';
import { formatInZone, formatRange, zoneAbbreviation } from '../i18n/formats.js';
import type { Language } from '../i18n/languages.js';
import type { MyDesks } from '../booking/my-desks.js';
import { nearestFreeDesk } from '../booking/near-team.js';
import type { TeamQueries } from '../booking/team-queries.js';
import { MINUTE_MS } from '../time/clock.js';
import { buildFindModel, type FindDeps, type FindInput, type FindModel } from './booking-view.js';
import { renderHome, type HomeDeps } from './home-view.js';
import { statusFor } from './errors.js';

/**
 * Employee booking pages: find a desk (list + floor plan), reserve, a weekly series,
 * and the actions on "My bookings" (cancel, release, extend, check in). Every form
 * posts, then redirects with a flash; a refused booking re-renders the form with the
 * reason and the person's input, never an error page.
 */
// What people type in the page's language (src/i18n/form-input.ts); handlers normalise it.
const Time = Type.String({ pattern: TIME_INPUT_PATTERN, maxLength: 7 });
const DateField = Type.String({ pattern: DATE_INPUT_PATTERN, maxLength: 12 });
const OptionalId = Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }));
const Features = Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 }));
const Csrf = Type.Optional(Type.String({ maxLength: 200 }));

const FindQuery = Type.Object({
  siteId: OptionalId,
  floorId: OptionalId,
  date: Type.Optional(DateField),
  start: Type.Optional(Time),
  end: Type.Optional(Time),
  features: Features,
  now: Type.Optional(Type.Literal('1')),
});
const ConfirmQuery = Type.Object({
  ...FindQuery.properties,
  deskId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
});
const FavouriteBody = Type.Object(
  {
    favourite: Type.Union([Type.Literal('1'), Type.Literal('0')]),
    next: Type.Optional(Type.String({ maxLength: 500 })),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const ReserveBody = Type.Object(
  {
    deskId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    siteId: OptionalId,
    floorId: OptionalId,
    date: DateField,
    start: Time,
    end: Time,
    features: Features,
    now: Type.Optional(Type.Literal('1')),
    _csrf: Csrf,
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const ExtendBody = Type.Object({ end: Time, _csrf: Csrf }, { additionalProperties: false });
const CsrfOnly = Type.Object({ _csrf: Csrf }, { additionalProperties: false });
const SeriesQuery = Type.Object({ floorId: OptionalId, deskId: OptionalId });
const SeriesBody = Type.Object(
  {
    deskId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
    from: DateField,
    weeks: Type.Integer({ minimum: 1, maximum: 12 }),
    weekdays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7 })),
    start: Time,
    end: Time,
    _csrf: Csrf,
  },
  { additionalProperties: false },
);

const user = { config: { access: 'user' as const } };

export async function bookingRoutes(
  app: FastifyInstance,
  opts: { clock: Clock; bookings: BookingService; team: TeamQueries; myDesks: MyDesks },
) {
  const { bookings, clock, team, myDesks } = opts;
  const find: FindDeps = { bookings, team };
  const home: HomeDeps = { bookings, team, myDesks, clock };

  /** A change to one booking refused: the home page again, the problem beside that booking. */
  const refusedOnHome = (
    request: FastifyRequest,
    reply: FastifyReply,
    error: unknown,
    reservationId: number,
    field: 'end' | null,
  ) => {
    if (!(error instanceof RoostError) || error.code === 'NOT_FOUND') throw error;
    const refusal = { message: request.say(error.text), reservationId, field };
    return renderHome(home, request, reply, refusal, statusFor[error.code]);
  };

  /** Re-renders the find page with what went wrong and the person's input. */
  async function refused(request: FastifyRequest, reply: FastifyReply, error: RoostError, input: FindInput) {
    const alternatives =
      (error.details.alternatives as { id: number; label: string; features: string[] }[]) ?? [];
    // The error names the field it is about (the end, the desk); otherwise the day and times.
    const field = error.code === 'BOOKING_CONFLICT' ? 'desk' : error.field === 'end' ? 'end' : 'date';
    const model = await buildFindModel(
      find,
      clock,
      request.user!,
      input,
      { message: error.text, field },
      alternatives,
    );
    return reply.status(statusFor[error.code]).render('book/find.eta', { ...model });
  }

  app.get('/book', { ...user, schema: { querystring: FindQuery } }, async (request, reply) => {
    const model = await buildFindModel(find, clock, request.user!, request.query as FindInput);
    if (model.error && model.result === null && !model.error.rule) reply.status(400);
    return reply.render('book/find.eta', { ...model, query: findQueryString(model.input) });
  });

  // The confirmation step between choosing a desk and booking it: the map and the list lead
  // here (a script shows the same form in a dialog), so a stray tap or Enter books nothing.
  app.get('/book/confirm', { ...user, schema: { querystring: ConfirmQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof ConfirmQuery>;
    const place = await bookings.deskPlace(q.deskId);
    const model = await buildFindModel(find, clock, request.user!, {
      ...q,
      floorId: place?.floorId ?? q.floorId,
    });
    const desk = model.result?.mapDesks.find((d) => d.id === q.deskId);
    const favourite = (await myDesks.favourites(request.user!.id)).some((f) => f.id === q.deskId);
    if (!desk || !model.result) return reply.redirect(`/book?${findQueryString(model.input)}`, 303);
    return reply.render('book/confirm.eta', {
      ...model,
      desk,
      favourite,
      query: findQueryString(model.input),
    });
  });

  // "Book near my team": the free desk closest to where teammates sit on this floor then.
  app.get('/book/near-team', { ...user, schema: { querystring: FindQuery } }, async (request, reply) => {
    const model = await buildFindModel(find, clock, request.user!, request.query as FindInput);
    const desks = model.result?.mapDesks ?? [];
    const choice = nearestFreeDesk(
      desks.filter((d) => d.state === 'free' && d.matches),
      desks.filter((d) => d.state === 'team'),
    );
    if (!choice)
      return reply
        .flash('info', request.t('team.nobodyNear'))
        .redirect(`/book?${findQueryString(model.input)}`, 303);
    return reply.redirect(`/book/confirm?${findQueryString(model.input)}&deskId=${choice.id}`, 303);
  });

  app.post('/reservations', { ...user, schema: { body: ReserveBody } }, async (request, reply) => {
    const body = formInput(request.body as Static<typeof ReserveBody>);
    try {
      const desk = await bookings.deskPlace(body.deskId);
      const zone = desk?.zone ?? 'UTC';
      // Book now starts at the minute the form arrives, however long the person looked at the map.
      const { startsAt, endsAt } =
        body.now === '1'
          ? nowUntil(zone, body.end, clock.now())
          : localRange(zone, body.date, body.start, body.end);
      const r = await bookings.book({
        actor: actorFor(request.user!),
        userId: request.user!.id,
        deskId: body.deskId,
        startsAt,
        endsAt,
      });
      const summary = await bookings.get({ actor: actorFor(request.user!), reservationId: r.id });
      return reply
        .flash(
          'success',
          request.t('book.flash.booked', {
            desk: summary.desk.label,
            when: formatRange(request.lang, summary.site.timeZone, summary.startsAt, summary.endsAt),
          }),
        )
        .redirect(`/?undo=${r.id}`, 303);
    } catch (error) {
      if (!(error instanceof RoostError) || error.code === 'FORBIDDEN') throw error;
      return refused(request, reply, error, body);
    }
  });

  // Undo in the first seconds after booking: cancels (or, for a booking that has begun, releases).
  app.post(
    '/reservations/:id/undo',
    { ...user, schema: { params: IdParams, body: CsrfOnly } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      const actor = actorFor(request.user!);
      const before = await bookings.get({ actor, reservationId: id });
      if (!(await myDesks.undoableUntil(request.user!.id, id)))
        return flashHome(reply, 'error', request.t('book.flash.undoTooLate', { desk: before.desk.label }));
      if (before.canCancel) await bookings.cancel({ actor, reservationId: id });
      else await bookings.release({ actor, reservationId: id });
      return flashHome(reply, 'success', request.t('book.flash.undone', { desk: before.desk.label }));
    },
  );

  app.post(
    '/reservations/:id/cancel-series',
    { ...user, schema: { params: IdParams, body: CsrfOnly } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      const before = await bookings.get({ actor: actorFor(request.user!), reservationId: id });
      const { cancelled } = await myDesks.cancelSeries(actorFor(request.user!), id);
      const done = request.t('book.flash.seriesCancelled', { desk: before.desk.label, count: cancelled });
      return flashHome(reply, 'success', done);
    },
  );

  app.post(
    '/desks/:id/favourite',
    { ...user, schema: { params: IdParams, body: FavouriteBody } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      const body = request.body as Static<typeof FavouriteBody>;
      const desk = await myDesks.setFavourite(request.user!.id, id, body.favourite === '1');
      const next = body.next && /^\/(?!\/)/.test(body.next) ? body.next : '/';
      return reply
        .flash(
          'success',
          request.t(body.favourite === '1' ? 'book.flash.favourite' : 'book.flash.unfavourite', {
            desk: desk.label,
          }),
        )
        .redirect(next, 303);
    },
  );

  /** Cancel, release and check in: one button each on "My bookings". */
  const actions: [string, 'cancel' | 'release' | 'checkIn', string][] = [
    ['cancel', 'cancel', 'book.flash.cancelled'],
    ['release', 'release', 'book.flash.released'],
    ['check-in', 'checkIn', 'book.flash.checkedIn'],
  ];
  for (const [path, method, done] of actions) {
    app.post(
      `/reservations/:id/${path}`,
      { ...user, schema: { params: IdParams, body: CsrfOnly } },
      async (request, reply) => {
        const { id } = request.params as Static<typeof IdParams>;
        const actor = actorFor(request.user!);
        try {
          const before = await bookings.get({ actor, reservationId: id });
          await bookings[method]({ actor, reservationId: id });
          return flashHome(reply, 'success', request.t(done, { desk: before.desk.label }));
        } catch (error) {
          return refusedOnHome(request, reply, error, id, null);
        }
      },
    );
  }

  app.post(
    '/reservations/:id/extend',
    { ...user, schema: { params: IdParams, body: ExtendBody } },
    async (request, reply) => {
      const { id } = request.params as Static<typeof IdParams>;
      const typed = (request.body as Static<typeof ExtendBody>).end;
      const end = parseTimeInput(typed) ?? typed;
      const actor = actorFor(request.user!);
      try {
        const before = await bookings.get({ actor, reservationId: id });
        const zone = before.site.timeZone;
        const endsAt =
          end === '24:00'
            ? localRange(zone, localDate(zone, before.startsAt), '00:00', '24:00').endsAt
            : wallTimeOn(zone, localDate(zone, before.startsAt), end);
        await bookings.extend({ actor, reservationId: id, endsAt });
        return flashHome(
          reply,
          'success',
          request.t('book.flash.extended', {
            desk: before.desk.label,
            time: end,
            zone: zoneAbbreviation(request.lang, zone, before.startsAt),
          }),
        );
      } catch (error) {
        return refusedOnHome(request, reply, error, id, 'end');
      }
    },
  );

  app.get('/book/series', { ...user, schema: { querystring: SeriesQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof SeriesQuery>;
    return reply.render('book/series.eta', await seriesModel(find, clock, request.user!, q, request.lang));
  });

  app.post('/book/series', { ...user, schema: { body: SeriesBody } }, async (request, reply) => {
    const typed = request.body as Static<typeof SeriesBody>;
    const body = {
      ...typed,
      from: parseDateInput(typed.from) ?? typed.from,
      start: parseTimeInput(typed.start) ?? typed.start,
      end: parseTimeInput(typed.end) ?? typed.end,
    };
    const base = await seriesModel(find, clock, request.user!, { deskId: body.deskId }, request.lang);
    try {
      if (!body.weekdays?.length) throw new RoostError('INVALID_INPUT', msg('series.chooseWeekday'));
      parseWallTime(body.from, body.start);
      const dates = seriesDates(body.from, body.weekdays, body.weeks);
      const result = await myDesks.bookSeries({
        actor: actorFor(request.user!),
        userId: request.user!.id,
        deskId: body.deskId,
        dates,
        startTime: body.start,
        endTime: body.end,
      });
      reply.status(result.booked.length > 0 ? 200 : 422);
      return reply.render('book/series.eta', { ...base, input: body, result });
    } catch (error) {
      if (!(error instanceof RoostError) && !(error instanceof WallTimeError)) throw error;
      reply.status(error instanceof RoostError ? statusFor[error.code] : 400);
      const text = error instanceof RoostError ? error.text : wallTimeProblem(error);
      return reply.render('book/series.eta', { ...base, input: body, error: request.say(text) });
    }
  });
}

/** The reserve form's date and times as the booking rules read them (ISO date, HH:MM). */
function formInput<T extends { date: string; start: string; end: string }>(body: T): T {
  return {
    ...body,
    date: parseDateInput(body.date) ?? body.date,
    start: parseTimeInput(body.start) ?? body.start,
    end: parseTimeInput(body.end) ?? body.end,
  };
}

/** After a change on the home page (POST, then redirect): a flash, and the home page again. */
const flashHome = (reply: FastifyReply, kind: 'success' | 'error', message: string) =>
  reply.flash(kind, message).redirect('/', 303);

function wallTimeOn(zone: string, date: string, time: string): Date {
  try {
    return wallTimeToInstant(zone, parseWallTime(date, time));
  } catch (error) {
    if (error instanceof WallTimeError) throw new RoostError('INVALID_INPUT', wallTimeProblem(error));
    throw error;
  }
}

/** The find page's search as a query string (links to the confirmation step keep it). */
function findQueryString(input: FindModel['input']) {
  const q = new URLSearchParams({
    siteId: String(input.siteId),
    floorId: String(input.floorId),
    date: input.date,
    start: input.start,
    end: input.end,
  });
  for (const f of input.features) q.append('features', f);
  if (input.now) q.set('now', '1');
  return q.toString();
}

/** From the current minute until `end` today (a wall time in the site's zone). */
function nowUntil(zone: string, end: string, now: Date): { startsAt: Date; endsAt: Date } {
  const startsAt = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
  const { endsAt } = localRange(zone, localDate(zone, startsAt), '00:00', end);
  if (endsAt <= startsAt) throw invalidInput(msg('problem.booking.endBeforeStart')).about('end');
  return { startsAt, endsAt };
}

async function seriesModel(
  deps: FindDeps,
  clock: Clock,
  user: { id: number; homeSiteId: number | null },
  q: { floorId?: number | undefined; deskId?: number | undefined },
  lang: Language,
) {
  const desk = q.deskId ? await deps.bookings.deskPlace(q.deskId) : null;
  const find = await buildFindModel(deps, clock, user, { floorId: desk?.floorId ?? q.floorId });
  const site = find.sites.find((s) => s.id === find.input.siteId);
  const floor = site?.floors.find((f) => f.id === find.input.floorId);
  const desks = find.result?.desks.filter((d) => d.bookable) ?? [];
  return {
    title: 'Book several days',
    site,
    floor,
    desks,
    input: {
      deskId: desk?.id ?? desks[0]?.id ?? 0,
      from: find.input.date,
      weeks: 4,
      weekdays: [] as number[],
      start: find.input.start,
      end: find.input.end,
    },
    dayLabel: (date: string) =>
      formatInZone(lang, 'UTC', DateTime.fromISO(date, { zone: 'UTC' }).toJSDate(), 'dayLong'),
    lastDate: site ? addDays(localDate(site.timeZone, clock.now()), site.policy.maxDaysAhead) : '',
    result: null,
    error: null,
  };
}
