import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CISCO_XML_CONTENT_TYPE,
  renderPhoneScreen,
  type PhoneScreen,
  type SoftKey,
} from '../phone-service/cisco-xml.js';
import type { PhoneAuth, PhoneUser } from '../phone-service/phone-auth.js';
import {
  OWNER_ACTIONS,
  type OwnerAction,
  type PhoneDesk,
  type PhoneDeskService,
} from '../phone-service/phone-desk.js';
import { RoostError, untranslated } from '../errors.js';
import { renderMessage } from '../i18n/render-message.js';
import { formatInZone, zoneAbbreviation } from '../i18n/formats.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { translator, type MessageParams } from '../i18n/translator.js';
import { publicUrls } from './public-url.js';

/**
 * The desk phone's Roost service (Cisco IP Phone XML services). Configure it on the cluster as
 * an IP phone service with the URL `<ROOST_PUBLIC_URL>/phone/services?device=#DEVICENAME#`.
 *
 * Every route is `access: 'public'` because a phone has no session: the person is identified
 * per action by EM user ID + PIN, or by the short-lived token a correct PIN buys (see
 * phone-service/phone-auth.ts for why). Phones only send GET, so state changes are GETs that
 * carry the PIN or token. Screens are always HTTP 200: a phone shows an error status as a bare
 * "HTTP Error" instead of our message.
 */
export interface PhoneServiceRouteOptions {
  desks: PhoneDeskService;
  auth: PhoneAuth;
  /** ROOST_PUBLIC_URL: every URL in a phone screen starts with it (never the Host header). */
  publicUrl: string;
}

const Device = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const Token = Type.String({ maxLength: 120 });
// What the phone's keypad sends: trimmed by us, so spaces are tolerated here.
const EmUser = Type.String({ maxLength: 128 });
const Pin = Type.String({ maxLength: 32 });
const Until = Type.String({ pattern: '^\\d{8}T\\d{4}Z$' });

const ACTION_LABEL: Record<OwnerAction, string> = {
  'check-in': 'phone.action.checkIn',
  'extend-30': 'phone.action.extend30',
  'extend-60': 'phone.action.extend60',
  release: 'phone.action.release',
};

/** 20261201T1600Z, the compact form the menus put in URLs (no characters to escape). */
export const formatUntil = (at: Date) => at.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
export function parseUntil(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(value);
  const at = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!)) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || formatUntil(at) !== value)
    throw new RoostError(
      'INVALID_INPUT',
      untranslated('This link is not valid. Start again from the desk screen.'),
    );
  return at;
}

/** A URL with the values of `pin` and `token` replaced, for logs. */
export const maskSecrets = (url: string) => url.replace(/([?&](?:pin|token)=)[^&]*/gi, '$1***');

/** Longest Host header the phone service accepts (real phone service URLs are far shorter). */
export const MAX_HOST = 100;

const timeIn = (lang: Language, zone: string, at: Date) =>
  `${formatInZone(lang, zone, at, 'time')} ${zoneAbbreviation(lang, zone, at)}`;

/**
 * The language of a phone's screens: the identified person's choice, else the site's default
 * language (Site.defaultLanguage), else English. A phone sends no Accept-Language worth reading.
 */
const siteLanguage = (d: Pick<PhoneDesk, 'site'>): Language =>
  isLanguage(d.site.defaultLanguage) ? d.site.defaultLanguage : 'en';
const personLanguage = (d: Pick<PhoneDesk, 'site'>, user: PhoneUser): Language =>
  isLanguage(user.language) ? user.language : siteLanguage(d);
const say = (lang: Language) => (key: string, params?: MessageParams) => translator().t(lang, key, params);

export async function phoneServiceRoutes(app: FastifyInstance, opts: PhoneServiceRouteOptions) {
  const { desks, auth } = opts;
  /** The site language of the desk a request is about, for the error screens. */
  const screenLanguage = new WeakMap<FastifyRequest, Language>();
  const urls = publicUrls(opts.publicUrl);

  /** Absolute URLs (phones do not resolve relative ones), from ROOST_PUBLIC_URL. */
  const urlFor = (_request: FastifyRequest, path: string, query: Record<string, string>) =>
    urls.to(path, query);

  function send(reply: FastifyReply, screen: PhoneScreen) {
    return reply
      .status(200)
      .header('content-type', CISCO_XML_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(renderPhoneScreen(screen));
  }

  const exitKey = (lang: Language): SoftKey => ({ name: say(lang)('phone.key.exit'), url: 'SoftKey:Exit' });
  const selectKey = (lang: Language): SoftKey => ({
    name: say(lang)('phone.key.select'),
    url: 'SoftKey:Select',
  });
  const homeKey = (lang: Language, request: FastifyRequest, device: string): SoftKey => ({
    name: say(lang)('phone.key.desk'),
    url: urlFor(request, '/phone/services', { device }),
  });

  function message(
    lang: Language,
    request: FastifyRequest,
    device: string | undefined,
    title: string,
    text: string,
  ): PhoneScreen {
    return {
      kind: 'text',
      title,
      text,
      softKeys: device ? [homeKey(lang, request, device), exitKey(lang)] : [exitKey(lang)],
    };
  }

  const signInItems = (lang: Language) => [
    { displayName: say(lang)('phone.signIn.user'), param: 'user', flags: 'A' as const },
    { displayName: say(lang)('phone.signIn.pin'), param: 'pin', flags: 'NP' as const },
  ];
  const inputKeys = (lang: Language): SoftKey[] => [
    { name: say(lang)('phone.key.submit'), url: 'SoftKey:Submit' },
    { name: '<<', url: 'SoftKey:<<' },
    { name: say(lang)('phone.key.cancel'), url: 'SoftKey:Cancel' },
  ];

  // PINs and tokens travel in the query string (phones only GET), so the request log of these
  // routes masks them; the rest of the line stays as Fastify's default.
  app.addHook('onRoute', (route) => {
    route.logSerializers = {
      ...route.logSerializers,
      req: (req: FastifyRequest) => ({
        method: req.method,
        url: maskSecrets(req.url),
        host: req.host,
        remoteAddress: req.ip,
      }),
    };
  });

  // Screens link with absolute URLs from ROOST_PUBLIC_URL, and Cisco XML allows 256 characters
  // per URL; a phone never sends a Host longer than MAX_HOST. Such a request (a probe once made
  // this a 500) gets a clear 400 with a plain screen that needs no URL.
  app.addHook('onRequest', async (request, reply) => {
    if (request.host.length <= MAX_HOST) return;
    reply.header('x-roost-outcome', 'INVALID_INPUT');
    return reply
      .status(400)
      .header('content-type', CISCO_XML_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(
        renderPhoneScreen({
          kind: 'text',
          title: 'Roost',
          text: say('en')('phone.hostTooLong', { max: MAX_HOST }),
          softKeys: [exitKey('en')],
        }),
      );
  });

  // Anything that goes wrong answers as a phone screen, never as JSON or HTML.
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const device = (request.query as { device?: unknown } | undefined)?.device;
    const dev = typeof device === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(device) ? device : undefined;
    const lang: Language = screenLanguage.get(request) ?? 'en';
    const t = say(lang);
    if (error instanceof RoostError) {
      if (error.code === 'RATE_LIMITED')
        reply.header('retry-after', String(error.details.retryAfterSeconds ?? 60));
      reply.header('x-roost-outcome', error.code);
      const title =
        error.code === 'UNAUTHENTICATED' || error.code === 'RATE_LIMITED' ? t('phone.notSignedIn') : 'Roost';
      return send(reply, message(lang, request, dev, title, renderMessage(lang, error.text)));
    }
    if ((error as FastifyError).validation) {
      reply.header('x-roost-outcome', 'INVALID_INPUT');
      return send(
        reply,
        message(
          lang,
          request,
          dev,
          'Roost',
          dev
            ? t('phone.invalidLink')
            : t('phone.needsDevice', { url: '/phone/services?device=#DEVICENAME#' }),
        ),
      );
    }
    request.log.error({ err: error }, 'phone service failed');
    reply.header('x-roost-outcome', 'INTERNAL');
    return send(reply, message(lang, request, dev, 'Roost', t('phone.failed', { requestId: request.id })));
  });

  /** The desk behind the device, or a screen saying why there is none. */
  async function deskOr(request: FastifyRequest, reply: FastifyReply, device: string) {
    const found = await desks.lookup(device.toUpperCase());
    if ('site' in found) screenLanguage.set(request, siteLanguage(found));
    if (found.kind === 'unknown-phone') {
      reply.header('x-roost-outcome', 'UNKNOWN_PHONE');
      void send(
        reply,
        message(
          'en',
          request,
          undefined,
          'Roost',
          say('en')('phone.unknownPhone', { device: found.deviceName }),
        ),
      );
      return null;
    }
    if (found.kind === 'no-desk') {
      reply.header('x-roost-outcome', 'NO_DESK');
      void send(
        reply,
        message('en', request, undefined, 'Roost', say('en')('phone.noDesk', { device: found.deviceName })),
      );
      return null;
    }
    return found;
  }

  const deskTitle = (lang: Language, d: PhoneDesk) => say(lang)('book.desk', { desk: d.desk.label });

  // --- the desk screen ---------------------------------------------------------------------
  app.get(
    '/phone/services',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device }) } },
    async (request: FastifyRequest<{ Querystring: { device: string } }>, reply) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const zone = d.site.timeZone;
      const device = d.deviceName;
      const lang = siteLanguage(d);
      const t = say(lang);
      const desk = deskTitle(lang, d);
      if (d.booking) {
        const b = d.booking;
        const who =
          b.startsAt > d.now
            ? t('phone.desk.ownerFrom', { name: b.ownerName, time: timeIn(lang, zone, b.startsAt) })
            : t('phone.desk.ownerUntil', { name: b.ownerName, time: timeIn(lang, zone, b.endsAt) });
        return send(reply, {
          kind: 'menu',
          title: t('phone.desk.booked', { desk }),
          prompt: `${d.floorName}, ${d.site.name}`,
          items: [
            { name: who, url: urlFor(request, '/phone/services', { device }) },
            { name: t('phone.desk.myBooking'), url: urlFor(request, '/phone/manage/sign-in', { device }) },
          ],
          softKeys: [selectKey(lang), exitKey(lang)],
        });
      }
      const free = d.nextStartsAt
        ? t('phone.desk.freeUntil', { time: timeIn(lang, zone, d.nextStartsAt) })
        : t('find.tag.free');
      return send(reply, {
        kind: 'menu',
        title: t('phone.desk.free', { desk }),
        prompt: `${d.floorName}, ${d.site.name}`,
        items: [
          { name: t('phone.desk.bookNow'), url: urlFor(request, '/phone/book', { device }) },
          { name: free, url: urlFor(request, '/phone/services', { device }) },
        ],
        softKeys: [selectKey(lang), exitKey(lang)],
      });
    },
  );

  // --- book now ----------------------------------------------------------------------------
  app.get(
    '/phone/book',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device }) } },
    async (request: FastifyRequest<{ Querystring: { device: string } }>, reply) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const lang = siteLanguage(d);
      const t = say(lang);
      const choices = desks.bookNowChoices(d);
      if (choices.ends.length === 0)
        return send(
          reply,
          message(
            lang,
            request,
            d.deviceName,
            deskTitle(lang, d),
            choices.reason ? renderMessage(lang, choices.reason) : t('phone.book.notNow'),
          ),
        );
      return send(reply, {
        kind: 'menu',
        title: t('phone.book.title', { desk: deskTitle(lang, d) }),
        prompt: t('phone.book.prompt'),
        items: choices.ends.map((end) => ({
          name: timeIn(lang, d.site.timeZone, end),
          url: urlFor(request, '/phone/book/sign-in', { device: d.deviceName, until: formatUntil(end) }),
        })),
        softKeys: [selectKey(lang), homeKey(lang, request, d.deviceName), exitKey(lang)],
      });
    },
  );

  app.get(
    '/phone/book/sign-in',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device, until: Until }) } },
    async (request: FastifyRequest<{ Querystring: { device: string; until: string } }>, reply) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const until = parseUntil(request.query.until);
      const lang = siteLanguage(d);
      return send(reply, {
        kind: 'input',
        title: say(lang)('phone.book.until', { time: timeIn(lang, d.site.timeZone, until) }),
        prompt: say(lang)('phone.signIn.prompt'),
        url: urlFor(request, '/phone/book/confirm', { device: d.deviceName, until: request.query.until }),
        items: signInItems(lang),
        softKeys: inputKeys(lang),
      });
    },
  );

  app.get(
    '/phone/book/confirm',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ device: Device, until: Until, user: EmUser, pin: Pin }) },
    },
    async (
      request: FastifyRequest<{ Querystring: { device: string; until: string; user: string; pin: string } }>,
      reply,
    ) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const endsAt = parseUntil(request.query.until);
      const user = await auth.identify({
        device: d.deviceName,
        emUserId: request.query.user,
        pin: request.query.pin,
      });
      const reservation = await desks.bookNow({ deviceName: d.deviceName, user, endsAt });
      const lang = personLanguage(d, user);
      const t = say(lang);
      return send(reply, {
        kind: 'text',
        title: t('phone.booked.title', { desk: deskTitle(lang, d) }),
        text: t('phone.booked.text', {
          time: timeIn(lang, d.site.timeZone, reservation.endsAt),
          name: user.displayName,
        }),
        softKeys: [
          { name: t('phone.key.manage'), url: manageUrl(request, d.deviceName, user) },
          homeKey(lang, request, d.deviceName),
          exitKey(lang),
        ],
      });
    },
  );

  // --- the owner's booking -----------------------------------------------------------------
  const manageUrl = (request: FastifyRequest, device: string, user: PhoneUser) =>
    urlFor(request, '/phone/manage', { device, token: auth.issueToken(device, user.id) });

  app.get(
    '/phone/manage/sign-in',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device }) } },
    async (request: FastifyRequest<{ Querystring: { device: string } }>, reply) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const lang = siteLanguage(d);
      return send(reply, {
        kind: 'input',
        title: say(lang)('phone.manage.signInTitle', { desk: deskTitle(lang, d) }),
        prompt: say(lang)('phone.signIn.prompt'),
        url: urlFor(request, '/phone/manage', { device: d.deviceName }),
        items: signInItems(lang),
        softKeys: inputKeys(lang),
      });
    },
  );

  /** The person behind a request: a token from an earlier screen, else user ID + PIN. */
  async function personOf(
    device: string,
    q: { token?: string; user?: string; pin?: string },
  ): Promise<PhoneUser> {
    if (q.token) return auth.verifyToken(device, q.token);
    if (q.user !== undefined && q.pin !== undefined)
      return auth.identify({ device, emUserId: q.user, pin: q.pin });
    throw new RoostError('UNAUTHENTICATED', untranslated('Enter your user ID and Roost PIN first.'));
  }

  app.get(
    '/phone/manage',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object({
          device: Device,
          token: Type.Optional(Token),
          user: Type.Optional(EmUser),
          pin: Type.Optional(Pin),
        }),
      },
    },
    async (
      request: FastifyRequest<{
        Querystring: { device: string; token?: string; user?: string; pin?: string };
      }>,
      reply,
    ) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const user = await personOf(d.deviceName, request.query);
      const lang = personLanguage(d, user);
      const t = say(lang);
      const desk = deskTitle(lang, d);
      const b = d.booking;
      if (!b || b.userId !== user.id) {
        return send(
          reply,
          message(
            lang,
            request,
            d.deviceName,
            desk,
            b
              ? t('phone.manage.notYours', { desk, owner: b.ownerName, name: user.displayName })
              : t('phone.manage.none', { desk }),
          ),
        );
      }
      const zone = d.site.timeZone;
      const token = auth.issueToken(d.deviceName, user.id);
      const actions = desks.ownerActions(d, user);
      const time = timeIn(lang, zone, b.endsAt);
      return send(reply, {
        kind: 'menu',
        title: desk,
        prompt:
          b.status === 'CHECKED_IN'
            ? t('phone.manage.checkedInUntil', { time })
            : t('phone.manage.bookedUntil', { time }),
        items: actions.map((action) => ({
          name: t(ACTION_LABEL[action]),
          url: urlFor(request, '/phone/manage/do', { device: d.deviceName, action, token }),
        })),
        softKeys: [selectKey(lang), homeKey(lang, request, d.deviceName), exitKey(lang)],
      });
    },
  );

  app.get(
    '/phone/manage/do',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Object({
          device: Device,
          action: Type.Union(OWNER_ACTIONS.map((a) => Type.Literal(a))),
          token: Token,
        }),
      },
    },
    async (
      request: FastifyRequest<{ Querystring: { device: string; action: OwnerAction; token: string } }>,
      reply,
    ) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const user = await auth.verifyToken(d.deviceName, request.query.token);
      const action = request.query.action;
      const updated = await desks.act({ deviceName: d.deviceName, user, action });
      const zone = d.site.timeZone;
      const lang = personLanguage(d, user);
      const t = say(lang);
      const time = timeIn(lang, zone, updated.endsAt);
      const text =
        action === 'check-in'
          ? t('phone.done.checkedIn', { time })
          : action === 'release'
            ? t('phone.done.released')
            : t('phone.done.extended', { time });
      return send(reply, {
        kind: 'text',
        title: deskTitle(lang, d),
        text,
        softKeys: [
          ...(action === 'release'
            ? []
            : [{ name: t('phone.key.manage'), url: manageUrl(request, d.deviceName, user) }]),
          homeKey(lang, request, d.deviceName),
          exitKey(lang),
        ],
      });
    },
  );
}
