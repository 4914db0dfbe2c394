import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, type ApiTokenStore, type SessionStore } from '../auth/sessions.js';
import { rotateCsrfSecret } from '../auth/csrf.js';
import { rateLimited, type PasswordUser, type SignInService } from '../auth/sign-in-service.js';
import { PENDING_TTL_MS, type Totp } from '../auth/totp.js';
import { RoostError, invalidInput, msg } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { startSession as startSessionFor } from './session-start.js';

interface AuthRouteOptions {
  sessions: SessionStore;
  tokens: ApiTokenStore;
  signIn: SignInService;
  secureCookies: boolean;
  clock: Clock;
  /** Checks the second factor of a password sign-in to the API (TOTP); throws when it fails. */
  secondFactor?: (user: PasswordUser, code: string | undefined, address: string) => Promise<void>;
  totp?: Totp;
  /** false (ROOST_PASSWORD_SIGNIN=false): only admins may sign in with a password (break-glass). */
  passwordSignin?: boolean;
  /** The identity provider's sign-out URL for a single sign-on session (src/web/oidc-routes.ts). */
  providerSignOut?: (sessionToken: string) => Promise<string | null>;
}

const PENDING_COOKIE = 'roost_2fa';

const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    name: Type.Optional(Type.String({ maxLength: 100, description: 'Your label for the token' })),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 40,
        description: 'When the token stops working (ISO 8601 with offset); none = until revoked',
      }),
    ),
    totp: Type.Optional(
      Type.String({
        maxLength: 20,
        description: 'Current authenticator code or a recovery code, if you use one',
      }),
    ),
  },
  { additionalProperties: false },
);

export const MAX_TOKEN_DAYS = 366;

/** An expiry in the future and at most MAX_TOKEN_DAYS away, or null for none. */
export function tokenExpiry(text: string | undefined, now: Date): Date | null {
  if (text === undefined || text === '') return null;
  const at = new Date(text);
  if (Number.isNaN(at.getTime()) || !/(Z|[+-]\d{2}:?\d{2})$/.test(text))
    throw invalidInput(msg('problem.api.expiresAtFormat'));
  if (at <= now) throw invalidInput(msg('problem.api.expiresAtPast'));
  if (at.getTime() - now.getTime() > MAX_TOKEN_DAYS * 86_400_000)
    throw invalidInput(msg('problem.api.expiresAtTooFar', { days: MAX_TOKEN_DAYS }));
  return at;
}

/** Only same-site relative paths may be a post-sign-in destination (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length < 500 ? next : '/';
}

export async function authRoutes(app: FastifyInstance, opts: AuthRouteOptions) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  /**
   * Checks a password under the throttle (sign-in service); with ROOST_PASSWORD_SIGNIN=false
   * only administrators get past it (break-glass while single sign-on is the way in).
   */
  async function authenticate(email: string, password: string, address: string) {
    const user = await opts.signIn.authenticate(email, password, address);
    if (user && opts.passwordSignin === false && user.role !== 'ADMIN') {
      throw new RoostError('FORBIDDEN', msg('problem.auth.passwordAdminOnly'));
    }
    return user;
  }

  typed.get(
    '/signin',
    {
      config: { access: 'public' },
      // Whatever the link carries: safeNext() lets only a same-site path through.
      schema: { querystring: Type.Object({ next: Type.Optional(Type.Unknown()) }) },
    },
    async (request, reply) => {
      if (request.user) return reply.redirect(safeNext(request.query.next));
      return reply.render('auth/signin.eta', { next: safeNext(request.query.next), email: '', error: null });
    },
  );

  typed.post(
    '/signin',
    {
      config: { access: 'public' },
      schema: {
        body: Type.Object({
          email: Type.String({ maxLength: 320 }),
          password: Type.String({ maxLength: 1024 }),
          next: Type.Optional(Type.String({ maxLength: 500 })),
          _csrf: Type.Optional(Type.String()),
        }),
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      const next = safeNext(request.body.next);
      let user;
      try {
        user = await authenticate(email, password, request.ip);
      } catch (error) {
        if (error instanceof RoostError && error.code === 'RATE_LIMITED') {
          reply.status(429).header('retry-after', String(error.details.retryAfterSeconds));
          // The page names the same number of seconds as Retry-After (and as waitText does).
          const seconds = Number(error.details.retryAfterSeconds);
          return reply.render('auth/signin.eta', {
            next,
            email,
            error:
              seconds < 120
                ? request.t('signin.tooMany', { seconds })
                : request.t('signin.tooManyMinutes', { minutes: Math.ceil(seconds / 60), seconds }),
          });
        }
        if (error instanceof RoostError && error.code === 'FORBIDDEN') {
          reply.status(403);
          return reply.render('auth/signin.eta', { next, email, error: request.say(error.text) });
        }
        throw error;
      }
      if (!user) {
        reply.status(401);
        return reply.render('auth/signin.eta', {
          next,
          email,
          error: request.t('signin.noMatch'),
        });
      }
      if (user.totpEnabled && opts.totp) {
        // The password was right; the session starts only after the second factor.
        reply.setCookie(PENDING_COOKIE, opts.totp.pendingToken(user.id, next), {
          path: '/signin',
          httpOnly: true,
          sameSite: 'lax',
          secure: opts.secureCookies || request.protocol === 'https',
          maxAge: PENDING_TTL_MS / 1000,
        });
        return reply.redirect('/signin/totp', 303);
      }
      return startSession(request, reply, user.id, next);
    },
  );

  /** A fresh session id at every sign-in: an id planted before sign-in is worthless. */
  async function startSession(request: FastifyRequest, reply: FastifyReply, userId: number, next: string) {
    await startSessionFor(request, reply, opts, userId);
    return reply.redirect(next, 303);
  }

  // --- the second factor (TOTP or a recovery code) after a right password ------------------
  app.get('/signin/totp', { config: { access: 'public' } }, async (request, reply) => {
    const expired = !opts.totp?.readPending(request.cookies[PENDING_COOKIE]);
    // No password step (or it is over 5 minutes old): say so, with the way back to sign-in.
    if (expired) reply.status(400);
    return reply.render('auth/totp.eta', {
      title: request.t('security.totp.signinTitle'),
      error: null,
      expired,
    });
  });

  typed.post(
    '/signin/totp',
    {
      config: { access: 'public' },
      schema: {
        body: Type.Object(
          { code: Type.String({ maxLength: 20 }), _csrf: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const pending = opts.totp?.readPending(request.cookies[PENDING_COOKIE]);
      const page = (status: number, error: string | null, expired = false) => {
        reply.status(status);
        return reply.render('auth/totp.eta', {
          title: request.t('security.totp.signinTitle'),
          error,
          expired,
        });
      };
      if (!opts.totp || !pending) return page(400, null, true);
      const email = await opts.signIn.emailOf(pending.userId);
      const wait = email ? opts.signIn.retryAfterSeconds(email, request.ip) : 0;
      if (wait > 0) {
        const limited = rateLimited('signIns', wait);
        reply.header('retry-after', String(wait));
        return page(429, request.say(limited.text));
      }
      if (!email || !(await opts.totp.checkCode(pending.userId, request.body.code))) {
        if (email) opts.signIn.recordFailure(email, request.ip);
        return page(401, request.t('security.totp.wrong'));
      }
      reply.clearCookie(PENDING_COOKIE, { path: '/signin' });
      return startSession(request, reply, pending.userId, safeNext(pending.next));
    },
  );

  app.post('/signout', { config: { access: 'public' } }, async (request, reply) => {
    const raw = request.cookies[SESSION_COOKIE];
    let providerUrl: string | null = null;
    if (raw) {
      const unsigned = request.unsignCookie(raw);
      if (unsigned.valid && unsigned.value) {
        if (opts.providerSignOut) providerUrl = await opts.providerSignOut(unsigned.value);
        await opts.sessions.destroy(unsigned.value);
      }
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    rotateCsrfSecret(reply, opts.secureCookies || request.protocol === 'https');
    return reply.flash('info', request.t('signin.signedOut')).redirect(providerUrl ?? '/signin', 303);
  });

  typed.post(
    '/api/v1/tokens',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a personal API token',
        description:
          'Optionally name the token and give it an expiry. List yours with GET /api/v1/tokens, revoke one with DELETE /api/v1/tokens/{id}.',
        body: Credentials,
        response: {
          201: Type.Object({
            token: Type.String(),
            id: Type.Integer(),
            name: Type.String(),
            expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
        },
      },
    },
    async (request, reply) => {
      const expiresAt = tokenExpiry(request.body.expiresAt, opts.clock.now());
      const user = await authenticate(request.body.email, request.body.password, request.ip);
      if (!user) throw new RoostError('UNAUTHENTICATED', msg('signin.noMatch'));
      await opts.secondFactor?.(user, request.body.totp, request.ip);
      if (user.mustChangePassword) throw new RoostError('FORBIDDEN', msg('problem.auth.passwordFirstApi'));
      const { token, info } = await opts.tokens.create(user.id, {
        name: request.body.name ?? '',
        expiresAt,
      });
      reply.status(201);
      return { token, id: info.id, name: info.name, expiresAt: info.expiresAt?.toISOString() ?? null };
    },
  );
}
