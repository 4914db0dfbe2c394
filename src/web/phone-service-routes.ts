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
import { RoostError } from '../errors.js';
import { formatLocalTime, zoneLabel } from '../time/zones.js';
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
  'check-in': 'Check in',
  'extend-30': 'Extend by 30 minutes',
  'extend-60': 'Extend by 60 minutes',
  release: 'Release desk now',
};

/** 20261201T1600Z, the compact form the menus put in URLs (no characters to escape). */
export const formatUntil = (at: Date) => at.toISOString().slice(0, 16).replace(/[-:]/g, '') + 'Z';
export function parseUntil(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(value);
  const at = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!)) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || formatUntil(at) !== value)
    throw new RoostError('INVALID_INPUT', 'This link is not valid. Start again from the desk screen.');
  return at;
}

/** A URL with the values of `pin` and `token` replaced, for logs. */
export const maskSecrets = (url: string) => url.replace(/([?&](?:pin|token)=)[^&]*/gi, '$1***');

/** Longest Host header the phone service accepts (real phone service URLs are far shorter). */
export const MAX_HOST = 100;

const timeIn = (zone: string, at: Date) => `${formatLocalTime(zone, at)} ${zoneLabel(zone, at)}`;

export async function phoneServiceRoutes(app: FastifyInstance, opts: PhoneServiceRouteOptions) {
  const { desks, auth } = opts;
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

  const exitKey: SoftKey = { name: 'Exit', url: 'SoftKey:Exit' };
  const homeKey = (request: FastifyRequest, device: string): SoftKey => ({
    name: 'Desk',
    url: urlFor(request, '/phone/services', { device }),
  });

  function message(
    request: FastifyRequest,
    device: string | undefined,
    title: string,
    text: string,
  ): PhoneScreen {
    return {
      kind: 'text',
      title,
      text,
      softKeys: device ? [homeKey(request, device), exitKey] : [exitKey],
    };
  }

  const signInItems = [
    { displayName: 'User ID', param: 'user', flags: 'A' as const },
    { displayName: 'PIN', param: 'pin', flags: 'NP' as const },
  ];
  const inputKeys: SoftKey[] = [
    { name: 'Submit', url: 'SoftKey:Submit' },
    { name: '<<', url: 'SoftKey:<<' },
    { name: 'Cancel', url: 'SoftKey:Cancel' },
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
          text: `The service address is too long (over ${MAX_HOST} characters in Host). Use a shorter host name in the phone service URL.`,
          softKeys: [exitKey],
        }),
      );
  });

  // Anything that goes wrong answers as a phone screen, never as JSON or HTML.
  app.setErrorHandler(async (error: FastifyError | Error, request, reply) => {
    const device = (request.query as { device?: unknown } | undefined)?.device;
    const dev = typeof device === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(device) ? device : undefined;
    if (error instanceof RoostError) {
      if (error.code === 'RATE_LIMITED')
        reply.header('retry-after', String(error.details.retryAfterSeconds ?? 60));
      reply.header('x-roost-outcome', error.code);
      const title =
        error.code === 'UNAUTHENTICATED' || error.code === 'RATE_LIMITED' ? 'Not signed in' : 'Roost';
      return send(reply, message(request, dev, title, error.message));
    }
    if ((error as FastifyError).validation) {
      reply.header('x-roost-outcome', 'INVALID_INPUT');
      return send(
        reply,
        message(
          request,
          dev,
          'Roost',
          dev
            ? 'This link is not valid. Start again from the desk screen.'
            : 'This service needs the phone name: set its URL to /phone/services?device=#DEVICENAME#.',
        ),
      );
    }
    request.log.error({ err: error }, 'phone service failed');
    reply.header('x-roost-outcome', 'INTERNAL');
    return send(
      reply,
      message(
        request,
        dev,
        'Roost',
        `Roost could not do that right now. Try again, or use the web page. (${request.id})`,
      ),
    );
  });

  /** The desk behind the device, or a screen saying why there is none. */
  async function deskOr(request: FastifyRequest, reply: FastifyReply, device: string) {
    const found = await desks.lookup(device.toUpperCase());
    if (found.kind === 'unknown-phone') {
      reply.header('x-roost-outcome', 'UNKNOWN_PHONE');
      void send(
        reply,
        message(
          request,
          undefined,
          'Roost',
          `This phone (${found.deviceName}) is not registered in Roost. Ask facilities to add it to a desk.`,
        ),
      );
      return null;
    }
    if (found.kind === 'no-desk') {
      reply.header('x-roost-outcome', 'NO_DESK');
      void send(
        reply,
        message(
          request,
          undefined,
          'Roost',
          `This phone (${found.deviceName}) is not assigned to a desk in Roost.`,
        ),
      );
      return null;
    }
    return found;
  }

  const deskTitle = (d: PhoneDesk) => `Desk ${d.desk.label}`;

  // --- the desk screen ---------------------------------------------------------------------
  app.get(
    '/phone/services',
    { config: { access: 'public' }, schema: { querystring: Type.Object({ device: Device }) } },
    async (request: FastifyRequest<{ Querystring: { device: string } }>, reply) => {
      const d = await deskOr(request, reply, request.query.device);
      if (!d) return reply;
      const zone = d.site.timeZone;
      const device = d.deviceName;
      if (d.booking) {
        const b = d.booking;
        const who =
          b.startsAt > d.now
            ? `${b.ownerName} from ${timeIn(zone, b.startsAt)}`
            : `${b.ownerName} until ${timeIn(zone, b.endsAt)}`;
        return send(reply, {
          kind: 'menu',
          title: `${deskTitle(d)}: booked`,
          prompt: `${d.floorName}, ${d.site.name}`,
          items: [
            { name: who, url: urlFor(request, '/phone/services', { device }) },
            {
              name: 'My booking: check in, extend, release',
              url: urlFor(request, '/phone/manage/sign-in', { device }),
            },
          ],
          softKeys: [{ name: 'Select', url: 'SoftKey:Select' }, exitKey],
        });
      }
      const free = d.nextStartsAt ? `Free until ${timeIn(zone, d.nextStartsAt)}` : 'Free';
      return send(reply, {
        kind: 'menu',
        title: `${deskTitle(d)}: free`,
        prompt: `${d.floorName}, ${d.site.name}`,
        items: [
          { name: 'Book this desk now', url: urlFor(request, '/phone/book', { device }) },
          { name: free, url: urlFor(request, '/phone/services', { device }) },
        ],
        softKeys: [{ name: 'Select', url: 'SoftKey:Select' }, exitKey],
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
      const choices = desks.bookNowChoices(d);
      if (choices.ends.length === 0)
        return send(
          reply,
          message(request, d.deviceName, deskTitle(d), choices.reason ?? 'Not bookable now.'),
        );
      return send(reply, {
        kind: 'menu',
        title: `Book ${deskTitle(d)}`,
        prompt: 'Book from now until',
        items: choices.ends.map((end) => ({
          name: timeIn(d.site.timeZone, end),
          url: urlFor(request, '/phone/book/sign-in', { device: d.deviceName, until: formatUntil(end) }),
        })),
        softKeys: [{ name: 'Select', url: 'SoftKey:Select' }, homeKey(request, d.deviceName), exitKey],
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
      return send(reply, {
        kind: 'input',
        title: `Book until ${timeIn(d.site.timeZone, until)}`,
        prompt: 'Your user ID and Roost PIN',
        url: urlFor(request, '/phone/book/confirm', { device: d.deviceName, until: request.query.until }),
        items: signInItems,
        softKeys: inputKeys,
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
      return send(reply, {
        kind: 'text',
        title: `${deskTitle(d)} is yours`,
        text: `Booked and checked in until ${timeIn(d.site.timeZone, reservation.endsAt)}, ${user.displayName}. Your phone logs you in now.`,
        softKeys: [
          { name: 'Manage', url: manageUrl(request, d.deviceName, user) },
          homeKey(request, d.deviceName),
          exitKey,
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
      return send(reply, {
        kind: 'input',
        title: `${deskTitle(d)}: my booking`,
        prompt: 'Your user ID and Roost PIN',
        url: urlFor(request, '/phone/manage', { device: d.deviceName }),
        items: signInItems,
        softKeys: inputKeys,
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
    throw new RoostError('UNAUTHENTICATED', 'Enter your user ID and Roost PIN first.');
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
      const b = d.booking;
      if (!b || b.userId !== user.id) {
        return send(
          reply,
          message(
            request,
            d.deviceName,
            deskTitle(d),
            b
              ? `${deskTitle(d)} is booked by ${b.ownerName}, not by you, ${user.displayName}.`
              : `You have no booking at ${deskTitle(d)} now. Book it from the desk screen.`,
          ),
        );
      }
      const zone = d.site.timeZone;
      const token = auth.issueToken(d.deviceName, user.id);
      const actions = desks.ownerActions(d, user);
      const status = b.status === 'CHECKED_IN' ? 'checked in' : 'booked';
      return send(reply, {
        kind: 'menu',
        title: deskTitle(d),
        prompt: `${status} until ${timeIn(zone, b.endsAt)}`,
        items: actions.map((action) => ({
          name: ACTION_LABEL[action],
          url: urlFor(request, '/phone/manage/do', { device: d.deviceName, action, token }),
        })),
        softKeys: [{ name: 'Select', url: 'SoftKey:Select' }, homeKey(request, d.deviceName), exitKey],
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
      const text =
        action === 'check-in'
          ? `Checked in. The desk is yours until ${timeIn(zone, updated.endsAt)}.`
          : action === 'release'
            ? 'Desk released. Your phone logs you out now. Thank you!'
            : `Extended: the desk is yours until ${timeIn(zone, updated.endsAt)}.`;
      return send(reply, {
        kind: 'text',
        title: deskTitle(d),
        text,
        softKeys: [
          ...(action === 'release' ? [] : [{ name: 'Manage', url: manageUrl(request, d.deviceName, user) }]),
          homeKey(request, d.deviceName),
          exitKey,
        ],
      });
    },
  );
}
