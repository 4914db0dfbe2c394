import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CISCO_XML_CONTENT_TYPE, renderPhoneScreen, type PhoneScreen } from '../phone-service/cisco-xml.js';
import type { PhoneAuth, PhoneUser } from '../phone-service/phone-auth.js';
import { OWNER_ACTIONS, type PhoneDesk, type PhoneDeskService } from '../phone-service/phone-desk.js';
import { RoostError, msg } from '../errors.js';
import { renderMessage } from '../i18n/render-message.js';
import type { Language } from '../i18n/languages.js';
import {
  actionDoneScreen,
  bookChoicesScreen,
  bookedScreen,
  bookSignInScreen,
  deskScreen,
  exitKey,
  manageScreen,
  manageSignInScreen,
  messageScreen,
  parseUntil,
  personLanguage,
  screenContext,
  siteLanguage,
} from './phone-screens.js';
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

/** A URL with the values of `pin` and `token` replaced, for logs. */
export const maskSecrets = (url: string) => url.replace(/([?&](?:pin|token)=)[^&]*/gi, '$1***');

/** Longest Host header the phone service accepts (real phone service URLs are far shorter). */
export const MAX_HOST = 100;

export async function phoneServiceRoutes(app: FastifyInstance, opts: PhoneServiceRouteOptions) {
  const { desks, auth } = opts;
  /** The site language of the desk a request is about, for the error screens. */
  const screenLanguage = new WeakMap<FastifyRequest, Language>();
  const urls = publicUrls(opts.publicUrl);
  const screens = (lang: Language) => screenContext(lang, urls);

  function send(reply: FastifyReply, screen: PhoneScreen) {
    return reply
      .status(200)
      .header('content-type', CISCO_XML_CONTENT_TYPE)
      .header('cache-control', 'no-store')
      .send(renderPhoneScreen(screen));
  }

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
          text: screens('en').t('phone.hostTooLong', { max: MAX_HOST }),
          softKeys: [exitKey(screens('en'))],
        }),
      );
  });

  // Anything that goes wrong answers as a phone screen, never as JSON or HTML.
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const device = (request.query as { device?: unknown } | undefined)?.device;
    const dev = typeof device === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(device) ? device : undefined;
    const lang: Language = screenLanguage.get(request) ?? 'en';
    const c = screens(lang);
    const t = c.t;
    if (error instanceof RoostError) {
      if (error.code === 'RATE_LIMITED')
        reply.header('retry-after', String(error.details.retryAfterSeconds ?? 60));
      reply.header('x-roost-outcome', error.code);
      const title =
        error.code === 'UNAUTHENTICATED' || error.code === 'RATE_LIMITED' ? t('phone.notSignedIn') : 'Roost';
      return send(reply, messageScreen(c, dev, title, renderMessage(lang, error.text)));
    }
    if ((error as FastifyError).validation) {
      reply.header('x-roost-outcome', 'INVALID_INPUT');
      return send(
        reply,
        messageScreen(
          c,
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
    return send(reply, messageScreen(c, dev, 'Roost', t('phone.failed', { requestId: request.id })));
  });

  /** The desk behind the device, or a screen saying why there is none. */
  async function deskOr(request: FastifyRequest, reply: FastifyReply, device: string) {
    const found = await desks.lookup(device.toUpperCase());
    if ('site' in found) screenLanguage.set(request, siteLanguage(found));
    if (found.kind === 'unknown-phone' || found.kind === 'no-desk') {
      const c = screens('en');
      const key = found.kind === 'unknown-phone' ? 'phone.unknownPhone' : 'phone.noDesk';
      reply.header('x-roost-outcome', found.kind === 'unknown-phone' ? 'UNKNOWN_PHONE' : 'NO_DESK');
      void send(reply, messageScreen(c, undefined, 'Roost', c.t(key, { device: found.deviceName })));
      return null;
    }
    return found;
  }

  /**
   * A phone route: GET with `device` and the given query fields, the desk looked up (or a screen
   * saying why there is none), then one screen.
   */
  function deskRoute<P extends TProperties>(
    path: string,
    fields: P,
    screen: (d: PhoneDesk, query: Static<TObject<P>>) => Promise<PhoneScreen> | PhoneScreen,
  ) {
    app.get(
      path,
      { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device, ...fields }) } },
      async (request, reply) => {
        const query = request.query as Static<TObject<P>> & { device: string };
        const d = await deskOr(request, reply, query.device);
        if (!d) return reply;
        return send(reply, await screen(d, query));
      },
    );
  }

  const manageUrl = (device: string, user: PhoneUser) =>
    urls.to('/phone/manage', { device, token: auth.issueToken(device, user.id) });

  /** The person behind a request: a token from an earlier screen, else user ID + PIN. */
  async function personOf(
    device: string,
    q: { token?: string | undefined; user?: string | undefined; pin?: string | undefined },
  ): Promise<PhoneUser> {
    if (q.token) return auth.verifyToken(device, q.token);
    if (q.user !== undefined && q.pin !== undefined)
      return auth.identify({ device, emUserId: q.user, pin: q.pin });
    throw new RoostError('UNAUTHENTICATED', msg('phone.signInFirst'));
  }

  // --- the desk screen and book now ----------------------------------------------------------
  deskRoute('/phone/services', {}, (d) => deskScreen(screens(siteLanguage(d)), d));

  deskRoute('/phone/book', {}, (d) =>
    bookChoicesScreen(screens(siteLanguage(d)), d, desks.bookNowChoices(d)),
  );

  deskRoute('/phone/book/sign-in', { until: Until }, (d, q) =>
    bookSignInScreen(screens(siteLanguage(d)), d, parseUntil(q.until)),
  );

  deskRoute('/phone/book/confirm', { until: Until, user: EmUser, pin: Pin }, async (d, q) => {
    const endsAt = parseUntil(q.until);
    const user = await auth.identify({ device: d.deviceName, emUserId: q.user, pin: q.pin });
    const reservation = await desks.bookNow({ deviceName: d.deviceName, user, endsAt });
    const c = screens(personLanguage(d, user));
    return bookedScreen(c, d, user, reservation.endsAt, manageUrl(d.deviceName, user));
  });

  // --- the owner's booking -------------------------------------------------------------------
  deskRoute('/phone/manage/sign-in', {}, (d) => manageSignInScreen(screens(siteLanguage(d)), d));

  deskRoute(
    '/phone/manage',
    { token: Type.Optional(Token), user: Type.Optional(EmUser), pin: Type.Optional(Pin) },
    async (d, q) => {
      const user = await personOf(d.deviceName, q);
      const c = screens(personLanguage(d, user));
      const isOwner = d.booking?.userId === user.id;
      const token = isOwner ? auth.issueToken(d.deviceName, user.id) : '';
      return manageScreen(c, d, user, isOwner ? desks.ownerActions(d, user) : [], token);
    },
  );

  deskRoute(
    '/phone/manage/do',
    { action: Type.Union(OWNER_ACTIONS.map((a) => Type.Literal(a))), token: Token },
    async (d, q) => {
      const user = await auth.verifyToken(d.deviceName, q.token);
      const updated = await desks.act({ deviceName: d.deviceName, user, action: q.action });
      const c = screens(personLanguage(d, user));
      return actionDoneScreen(c, d, q.action, updated.endsAt, manageUrl(d.deviceName, user));
    },
  );
}
