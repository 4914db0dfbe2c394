import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  actorFor,
  type BookingActor,
  type BookingService,
  type BookingSummary,
  type PhoneStatus,
} from '../../booking/booking-service.js';
import { formatInZone, zoneAbbreviation } from '../../i18n/formats.js';
import type { Language } from '../../i18n/languages.js';
import { translator } from '../../i18n/translator.js';
import { invalidInput, msg, notFound } from '../../errors.js';

/**
 * The booking part of the JSON API (/api/v1, Bearer token only; see access.ts).
 * Paths and status codes are fixed by CONTRACT.md: 201 booked, 409 desk or person
 * taken (`taken`, `alternatives`), 422 a booking rule (`rule`, `message`), 400 bad input.
 */

// ISO 8601 with an explicit offset: "2026-12-02T09:00:00+01:00" or "...Z". A time
// without an offset is ambiguous across sites, so it is refused rather than guessed.
export const Instant = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:?\\d{2})$',
  maxLength: 40,
  description: 'ISO 8601 date-time with offset, e.g. 2026-12-02T09:00:00+01:00',
});
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

const AvailabilityQuery = Type.Object(
  {
    start: Instant,
    end: Instant,
    features: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
        maxItems: 20,
        description: 'Only desks with every one of these features (repeat the parameter)',
      }),
    ),
  },
  { additionalProperties: false },
);
const BookBody = Type.Object({ deskId: Id, start: Instant, end: Instant }, { additionalProperties: false });
const ExtendBody = Type.Object({ end: Instant }, { additionalProperties: false });

const ErrorBody = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    rule: Type.Optional(Type.String()),
    taken: Type.Optional(Type.Union([Type.Literal('desk'), Type.Literal('person')])),
    alternatives: Type.Optional(
      Type.Array(
        Type.Object({ id: Type.Integer(), label: Type.String(), features: Type.Array(Type.String()) }),
      ),
    ),
  },
  { additionalProperties: true },
);

/** True when the date and time of day written in `text` exist (Date would roll 02-30 into March). */
function isRealDateTime(text: string): boolean {
  const [, y, mo, d, h, mi] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(text)?.map(Number) ?? [];
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined)
    return false;
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(y, mo, 0);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= lastDay.getUTCDate() && h <= 23 && mi <= 59;
}

export function instant(text: string, field: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !isRealDateTime(text))
    throw invalidInput(msg('problem.api.notADateTime', { field, value: text }));
  return at;
}

const PHONE_STATUS_KEYS: Record<PhoneStatus['kind'], string> = {
  pending: 'phoneStatus.pending',
  running: 'phoneStatus.running',
  waiting: 'phoneStatus.waiting',
  'logged-in': 'phoneStatus.loggedIn',
  failed: 'phoneStatus.failed',
  'logged-out': 'phoneStatus.loggedOut',
};

/** A booking's phone status as a line of text (the API's `phoneStatus`, in English there). */
export function phoneStatusText(lang: Language, status: PhoneStatus, zone: string): string {
  const at = status.at ?? status.since;
  return translator().t(
    lang,
    status.lasting ? 'phoneStatus.waitingLong' : PHONE_STATUS_KEYS[status.kind],
    at ? { time: formatInZone(lang, zone, at, 'time'), zone: zoneAbbreviation(lang, zone, at) } : {},
  );
}

/** The API's view of a booking: instants in UTC plus the site's zone to show them in. */
export function reservationJson(b: BookingSummary) {
  return {
    id: b.id,
    status: b.status,
    start: b.startsAt.toISOString(),
    end: b.endsAt.toISOString(),
    timeZone: b.site.timeZone,
    checkedInAt: b.checkedInAt?.toISOString() ?? null,
    userId: b.userId,
    deskId: b.desk.id,
    desk: { id: b.desk.id, label: b.desk.label },
    floor: b.floor,
    site: { id: b.site.id, name: b.site.name },
    phone: b.phone,
    phoneStatus: b.phoneStatus ? phoneStatusText('en', b.phoneStatus, b.site.timeZone) : null,
    bookedBy: b.bookedBy,
  };
}

/**
 * The routes on bookings under `base`, for a person's own (/api/v1/reservations) and for staff
 * on anyone's (/api/v1/admin/reservations): who may do what is the booking service's rule, so
 * both APIs run the same commands and answer the booking as it is afterwards.
 */
export function reservationRoutes(
  app: FastifyInstance,
  opts: {
    base: string;
    access: 'user' | 'staff';
    bodyLimit: number;
    tags: string[];
    bookings: BookingService;
  },
) {
  const { base, bodyLimit, tags, bookings } = opts;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { access: opts.access };
  const show = (request: FastifyRequest, reservationId: number) =>
    bookings.get({ actor: actorFor(request.user!), reservationId }).then(reservationJson);

  /** POST base/:id/path: one command on the booking. */
  function command<B extends TSchema>(
    path: string,
    summary: string,
    body: B | undefined,
    run: (actor: BookingActor, reservationId: number, body: Static<B>) => Promise<unknown>,
  ) {
    api.post(
      `${base}/:id/${path}`,
      { config, bodyLimit, schema: { tags, summary, params: IdParams, ...(body ? { body } : {}) } },
      async (request) => {
        await run(actorFor(request.user!), request.params.id, request.body as Static<B>);
        return show(request, request.params.id);
      },
    );
  }

  return {
    api,
    config,
    show,
    command,

    /**
     * POST base: 201 with the booking and its Location; 409 when the desk or the person is
     * taken, 422 when a booking rule is broken. `response` documents those error bodies; typed
     * as a record, so that it does not narrow the provider's reply type to them.
     */
    book<B extends TSchema>(
      doc: { summary: string; description: string; response?: Record<number, TSchema> },
      body: B,
      input: (
        request: FastifyRequest,
        body: Static<B>,
      ) => Omit<Parameters<BookingService['book']>[0], 'actor'>,
    ) {
      api.post(base, { config, bodyLimit, schema: { tags, ...doc, body } }, async (request, reply) => {
        const r = await bookings.book({ actor: actorFor(request.user!), ...input(request, request.body) });
        reply.status(201).header('location', `${base}/${r.id}`);
        return show(request, r.id);
      });
    },

    /** cancel, release, check-in and extend, in the words of this API. */
    lifecycle(summaries: Record<'cancel' | 'release' | 'checkIn' | 'extend', string>) {
      const simple = [
        ['cancel', 'cancel'],
        ['release', 'release'],
        ['check-in', 'checkIn'],
      ] as const;
      for (const [path, method] of simple)
        command(path, summaries[method], undefined, (actor, reservationId) =>
          bookings[method]({ actor, reservationId }),
        );
      command('extend', summaries.extend, ExtendBody, (actor, reservationId, { end }) =>
        bookings.extend({ actor, reservationId, endsAt: instant(end, 'end') }),
      );
    },
  };
}

const bodyLimit = 4 * 1024;
const tags = ['bookings'];

export async function bookingApi(app: FastifyInstance, opts: { bookings: BookingService }) {
  const { bookings } = opts;
  const mine = reservationRoutes(app, {
    base: '/api/v1/reservations',
    access: 'user',
    bodyLimit,
    tags,
    bookings,
  });
  const { api } = mine;
  const user = { config: mine.config };

  api.get(
    '/api/v1/sites',
    { ...user, schema: { tags, summary: 'Sites with their floors and time zone' } },
    async () => ({
      sites: await bookings.sites(),
    }),
  );

  api.get(
    '/api/v1/sites/:id/floors',
    { ...user, schema: { tags, summary: 'Floors of a site', params: IdParams } },
    async (request) => {
      const site = (await bookings.sites()).find((s) => s.id === request.params.id);
      if (!site) throw notFound('site', request.params.id);
      return { siteId: site.id, timeZone: site.timeZone, floors: site.floors };
    },
  );

  api.get(
    '/api/v1/floors/:id/availability',
    {
      ...user,
      schema: {
        tags,
        summary: 'Every desk of a floor with available: true|false for the whole range (at most 14 days)',
        params: IdParams,
        querystring: AvailabilityQuery,
      },
    },
    async (request) => {
      const { start, end, features } = request.query;
      const result = await bookings.availability({
        floorId: request.params.id,
        startsAt: instant(start, 'start'),
        endsAt: instant(end, 'end'),
        forUserId: request.user!.id,
        ...(features ? { features } : {}),
      });
      const { planSvg: _planSvg, ...floor } = result.floor;
      return { floor, site: result.site, start, end, desks: result.desks };
    },
  );

  api.get(
    '/api/v1/reservations',
    { ...user, schema: { tags, summary: 'My current and upcoming bookings' } },
    async (request) => ({
      reservations: (await bookings.listForUser(request.user!.id)).map(reservationJson),
    }),
  );

  mine.book(
    {
      summary: 'Book a desk for myself',
      description:
        '201 with the booking; 409 when the desk (`taken: "desk"`, with `alternatives`) or you (`taken: "person"`) already have a booking then; 422 when a booking rule is broken (`rule`).',
      response: { 409: ErrorBody, 422: ErrorBody },
    },
    BookBody,
    (request, { deskId, start, end }) => ({
      userId: request.user!.id,
      deskId,
      startsAt: instant(start, 'start'),
      endsAt: instant(end, 'end'),
    }),
  );

  api.get(
    '/api/v1/reservations/:id',
    { ...user, schema: { tags, summary: 'One of my bookings', params: IdParams } },
    async (request) => mine.show(request, request.params.id),
  );

  mine.lifecycle({
    cancel: 'Cancel a booking that has not started',
    release: 'End a current booking now; the desk is free at once',
    checkIn: 'Check in during the check-in window',
    extend: 'Move the end of a booking later, if the desk is free',
  });
}
