import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  type RouteOptions,
} from 'fastify';
import { createApiTokenStore, createSessionStore } from './auth/sessions.js';
import { createSignInThrottle } from './auth/sign-in-throttle.js';
import { createSignInService } from './auth/sign-in-service.js';
import { csrfCookieOptions, csrfHmacKey, csrfUserInfo } from './auth/csrf.js';
import { createPasswordChange, createPasswordResets } from './auth/password-reset.js';
import { hashPassword } from './auth/passwords.js';
import { apiSecondFactor, createTotp } from './auth/totp.js';
import { createAccountMail, type AccountMail } from './auth/account-mail.js';
import type { Config } from './config.js';
import { secretConfigPaths } from './config.js';
import { checkReady, type Database } from './db/database.js';
import { pgErrorKind } from './db/pg-errors.js';
import type { Clock } from './time/clock.js';
import { createAdminServices } from './admin/admin-services.js';
import { createBookingService } from './booking/booking-service.js';
import { createNotifier, notifyBookingChanged, type Notifier } from './notify/notifier.js';
import { createPhoneAuth } from './phone-service/phone-auth.js';
import { createPhoneDeskService } from './phone-service/phone-desk.js';
import { createPhonePins } from './phone-service/phone-pins.js';
import { createCalendarService } from './calendar/calendar-feed.js';
import { createOccupancyInsight } from './insight/occupancy.js';
import { createLanguageSetting } from './account/language-setting.js';
import { accountLanguageRoutes } from './web/account-language-routes.js';
import { i18nPlugin } from './web/i18n-plugin.js';
import { accessPlugin } from './web/access.js';
import { accountRoutes } from './web/account-routes.js';
import { calendarRoutes } from './web/calendar-routes.js';
import { phoneServiceRoutes } from './web/phone-service-routes.js';
import { authRoutes } from './web/auth-routes.js';
import { tokenApi } from './web/api/token-api.js';
import { accountSecurityRoutes } from './web/account-security-routes.js';
import { createOidcClient } from './auth/oidc/oidc-client.js';
import { oidcRoutes, providerSignOutFor } from './web/oidc-routes.js';
import { scimRoutes } from './web/scim-routes.js';
import { personFromClaims } from './auth/oidc/oidc-accounts.js';
import { createScimUsers } from './scim/scim-users.js';
import { createScimGroups } from './scim/scim-groups.js';
import { bookingApi } from './web/api/booking-api.js';
import { createMyDesks } from './booking/my-desks.js';
import { createTeamQueries } from './booking/team-queries.js';
import { bookingRoutes } from './web/booking-routes.js';
import { myWeekRoutes } from './web/my-week-routes.js';
import { registerErrorHandling } from './web/errors.js';
import { healthRoutes } from './web/health-routes.js';
import { homeRoutes } from './web/home-routes.js';
import { insightRoutes } from './web/insight-routes.js';
import { renderPlugin } from './web/render.js';
import { metricsRoutes } from './web/metrics-routes.js';
import { phonesRoutes } from './web/staff/phones-routes.js';
import { metricsText, type PhonesService } from './scheduler/phones-service.js';
import { staffRoutes } from './web/staff/staff-routes.js';
import { webhooksRoutes } from './web/staff/webhooks-routes.js';
import { webhooksApi } from './web/api/admin/webhooks-api.js';
import { adminApi } from './web/api/admin/index.js';
import { createWebhookEndpointsService } from './webhooks/endpoints-service.js';
import { createUrlGuard } from './webhooks/url-guard.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface AppDeps {
  config: Readonly<Config>;
  db: Database;
  clock: Clock;
  /** A pino logger to use (server.ts), or Fastify logger options; false keeps tests quiet. */
  logger?: FastifyBaseLogger | FastifyServerOptions['logger'];
  /** Email notices; default: SMTP from config.smtpUrl, or none when it is unset. */
  notifier?: Notifier;
  /** The Phones page and scheduler counters (server.ts); without it there is no Phones page. */
  phones?: PhonesService;
  /** Emails about a person's own account (reset links, PIN alerts); default: SMTP or none. */
  accountMail?: AccountMail;
  /** Told about every route as it is registered (the access-table test lists them all). */
  onRoute?: (route: RouteOptions) => void;
}

/** Log redaction: credentials, cookies, CSRF tokens and secret config never reach a log line. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.appPassword',
  '*.appCertificate',
  '*.passwordHash',
  '*.token',
  '*.secret',
  '*._csrf',
  ...secretConfigPaths.map((p) => `config.${p}`),
];

function isLoggerInstance(logger: AppDeps['logger']): logger is FastifyBaseLogger {
  return (
    typeof logger === 'object' && logger !== null && typeof (logger as FastifyBaseLogger).child === 'function'
  );
}

/** Builds the Roost web app; never listens (server.ts does). Plugins register in a visible order. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, clock } = deps;
  if (!config.sessionSecret)
    throw new Error('buildApp needs config.sessionSecret (see resolveSessionSecret)');
  const app = Fastify({
    ...(isLoggerInstance(deps.logger)
      ? { loggerInstance: deps.logger }
      : { logger: deps.logger ?? { level: config.logLevel, redact: redactPaths } }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    bodyLimit: 512 * 1024,
    // Unknown fields are refused, not silently dropped; query strings are coerced.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false },
    },
    return503OnClosing: true,
    // ROOST_TRUST_PROXY: behind a reverse proxy, request.ip is the client from X-Forwarded-For
    // (sign-in throttling depends on it); without it, nobody can fake their address.
    // A hop count works at run time (lib/request.js) although the type omits it.
    trustProxy: config.trustProxy as FastifyServerOptions['trustProxy'],
  });
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // 1. Cross-cutting plugins.
  // HSTS and upgrade-insecure-requests only for an https: ROOST_PUBLIC_URL: on a plain-HTTP LAN
  // (http://roost.corp.lan:3000) they would make the browser fetch CSS and scripts over TLS
  // that is not there, and pin the host to https for months.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        'img-src': ["'self'", 'data:'],
        'style-src': ["'self'"],
        'script-src': ["'self'"],
        'upgrade-insecure-requests': config.httpsPublicUrl ? [] : null,
        // Sign-out (a form POST) redirects to the identity provider's end-session endpoint.
        'form-action': ["'self'", ...(config.oidc ? [new URL(config.oidc.issuer).origin] : [])],
      },
    },
    strictTransportSecurity: config.httpsPublicUrl ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  await app.register(fastifyFormbody, { bodyLimit: 256 * 1024 });
  await app.register(fastifyCookie, { secret: config.sessionSecret });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: csrfCookieOptions(config.secureCookies),
    // Tokens are bound to the session (src/auth/csrf.ts).
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: csrfHmacKey(config.sessionSecret) },
  });
  // Before the plugins that add routes (static files, API docs), so its onRoute check sees them.
  const sessions = createSessionStore(db, clock);
  const tokens = createApiTokenStore(db, clock);
  const totp = createTotp({ prisma: db.prisma, clock, secret: config.sessionSecret });
  await app.register(accessPlugin, { sessions, tokens, mustEnrolTotp: (user) => totp.mustEnrol(user) });
  await app.register(i18nPlugin);
  await app.register(fastifyView, {
    engine: { eta: new Eta({ views: path.join(root, 'views'), autoEscape: true, cache: true }) },
    root: path.join(root, 'views'),
    // The sign-in page shows the SSO button, and hides password sign-in behind "Administrator sign-in".
    defaultContext: {
      signInOptions: { sso: config.oidc !== undefined, passwordSignin: config.passwordSignin },
    },
  });
  await app.register(fastifyStatic, { root: path.join(root, 'public'), prefix: '/public/', maxAge: '1h' });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Roost API',
        version: '1',
        description:
          'Desk booking with Cisco phone login. Authenticate with POST /api/v1/tokens, then send Authorization: Bearer <token>.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    hideUntagged: true,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/api/v1/docs',
    staticCSP: true,
    // Its own policy always upgrades; keep that only where helmet's does (https: public URL).
    transformStaticCSP: (header) =>
      config.httpsPublicUrl ? header : header.replace(/\s*upgrade-insecure-requests;?/g, ''),
  });

  // 2. Roost's own cross-cutting pieces.
  await app.register(renderPlugin, { secureCookies: config.secureCookies });
  registerErrorHandling(app, pgErrorKind);

  // 3. Domain services, one of each, shared by the pages, the API and the phone service.
  const notifier = deps.notifier ?? createNotifier({ config, prisma: db.prisma, clock, log: app.log });
  if (!deps.notifier) app.addHook('onClose', () => notifier.close());
  let accountMail = deps.accountMail;
  if (!accountMail) {
    const mail = createAccountMail({ config, log: app.log });
    app.addHook('onClose', async () => mail.close());
    accountMail = mail;
  }
  const bookings = createBookingService({
    prisma: db.prisma,
    sql: db.sql,
    clock,
    log: app.log,
    onChange: (change) => void notifyBookingChanged(notifier, change),
  });

  const calendar = createCalendarService({ prisma: db.prisma, clock });

  // 4. Routes.
  await app.register(healthRoutes, {
    readiness: { check: () => checkReady(db), databaseKind: db.kind },
  });
  const oidcClient = config.oidc ? createOidcClient(config.oidc, clock) : undefined;
  const signIn = createSignInService({ prisma: db.prisma, throttle: createSignInThrottle(clock) });
  await app.register(authRoutes, {
    sessions,
    tokens,
    signIn,
    clock,
    totp,
    secondFactor: apiSecondFactor(totp, signIn),
    secureCookies: config.secureCookies,
    passwordSignin: config.passwordSignin,
    ...(oidcClient ? { providerSignOut: providerSignOutFor(sessions, oidcClient, config.publicUrl) } : {}),
  });
  await app.register(tokenApi, { tokens });
  await app.register(accountSecurityRoutes, {
    clock,
    totp,
    tokens,
    passwords: createPasswordChange({ prisma: db.prisma, hash: hashPassword }),
    resets: createPasswordResets({ prisma: db.prisma, clock }),
    mail: accountMail,
    publicUrl: config.publicUrl,
  });
  if (config.oidc && oidcClient) {
    const oidc = config.oidc;
    await app.register(oidcRoutes, {
      sessions,
      client: oidcClient,
      personFromClaims: (claims) => personFromClaims(db.prisma, oidc, claims, clock),
      secureCookies: config.secureCookies,
    });
  }
  if (config.scimToken) {
    const base = `${config.publicUrl}/scim/v2`;
    await app.register(scimRoutes, {
      prefix: '/scim/v2',
      users: createScimUsers({ prisma: db.prisma, clock, base }),
      groups: createScimGroups({ prisma: db.prisma, clock, base, roleLists: config.groupRoles }),
      token: config.scimToken,
      base,
    });
  }
  const team = createTeamQueries({ prisma: db.prisma });
  const myDesks = createMyDesks({ prisma: db.prisma, clock, bookings });
  await app.register(homeRoutes, { bookings, team, myDesks, clock });
  await app.register(bookingRoutes, { clock, bookings, team, myDesks });
  await app.register(myWeekRoutes, { clock, bookings, team, myDesks });
  await app.register(bookingApi, { bookings });
  const admin = createAdminServices({ prisma: db.prisma, clock });
  await app.register(staffRoutes, { admin, bookings, ...(deps.phones ? { phones: deps.phones } : {}) });
  await app.register(adminApi, { admin, bookings });
  await app.register(phoneServiceRoutes, {
    desks: createPhoneDeskService({ prisma: db.prisma, clock, bookings }),
    auth: createPhoneAuth({ prisma: db.prisma, clock, secret: config.sessionSecret, mail: accountMail }),
    publicUrl: config.publicUrl,
  });
  await app.register(accountRoutes, {
    pins: createPhonePins({ prisma: db.prisma }),
    calendar,
    publicUrl: config.publicUrl,
  });
  await app.register(accountLanguageRoutes, { languages: createLanguageSetting({ prisma: db.prisma }) });
  await app.register(calendarRoutes, { calendar });
  await app.register(insightRoutes, { insight: createOccupancyInsight({ prisma: db.prisma, clock }) });
  if (deps.phones)
    await app.register(phonesRoutes, { phones: deps.phones, publicUrl: config.publicUrl, clock });
  const phones = deps.phones;
  const webhooks = createWebhookEndpointsService({
    prisma: db.prisma,
    clock,
    guard: createUrlGuard({ allowedHosts: config.webhookAllowedHosts }),
  });
  await app.register(webhooksRoutes, { webhooks });
  await app.register(webhooksApi, { webhooks });
  await app.register(metricsRoutes, {
    metricsText: phones ? () => phones.metricsText() : () => metricsText(db.prisma, clock),
  });
  app.get('/api/v1/openapi.json', { config: { access: 'public' } }, async () => app.swagger());

  return app;
}
