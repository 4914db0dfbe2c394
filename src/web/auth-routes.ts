import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE, SESSION_TTL_MS, type ApiTokenStore, type SessionStore } from '../auth/sessions.js';
import { rotateCsrfSecret } from '../auth/csrf.js';
import type { SignInService } from '../auth/sign-in-service.js';
import type { PrismaClient } from '../db/database.js';
import { RoostError } from '../errors.js';

interface AuthRouteOptions {
  prisma: PrismaClient;
  sessions: SessionStore;
  tokens: ApiTokenStore;
  signIn: SignInService;
  secureCookies: boolean;
  /** false (ROOST_PASSWORD_SIGNIN=false): only admins may sign in with a password (break-glass). */
  passwordSignin?: boolean;
  /** The identity provider's sign-out URL for a single sign-on session (src/web/oidc-routes.ts). */
  providerSignOut?: (sessionToken: string) => Promise<string | null>;
}

const Credentials = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/** Only same-site relative paths may be a post-sign-in destination (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length < 500 ? next : '/';
}

export async function authRoutes(app: FastifyInstance, opts: AuthRouteOptions) {
  /**
   * Checks a password under the throttle (sign-in service); with ROOST_PASSWORD_SIGNIN=false
   * only administrators get past it (break-glass while single sign-on is the way in).
   */
  async function authenticate(email: string, password: string, address: string) {
    const user = await opts.signIn.authenticate(email, password, address);
    if (user && opts.passwordSignin === false && user.role !== 'ADMIN') {
      throw new RoostError(
        'FORBIDDEN',
        'Password sign-in is only for administrators here. Use "Sign in with single sign-on".',
      );
    }
    return user;
  }

  app.get(
    '/signin',
    { config: { access: 'public' } },
    async (request: FastifyRequest<{ Querystring: { next?: string } }>, reply) => {
      if (request.user) return reply.redirect(safeNext(request.query.next));
      return reply.render('auth/signin.eta', { next: safeNext(request.query.next), email: '', error: null });
    },
  );

  app.post(
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
    async (
      request: FastifyRequest<{ Body: { email: string; password: string; next?: string } }>,
      reply: FastifyReply,
    ) => {
      const { email, password } = request.body;
      const next = safeNext(request.body.next);
      let user;
      try {
        user = await authenticate(email, password, request.ip);
      } catch (error) {
        if (error instanceof RoostError && error.code === 'RATE_LIMITED') {
          reply.status(429).header('retry-after', String(error.details.retryAfterSeconds));
          return reply.render('auth/signin.eta', { next, email, error: error.message });
        }
        if (error instanceof RoostError && error.code === 'FORBIDDEN') {
          reply.status(403);
          return reply.render('auth/signin.eta', { next, email, error: error.message });
        }
        throw error;
      }
      if (!user) {
        reply.status(401);
        return reply.render('auth/signin.eta', {
          next,
          email,
          error: 'That email and password do not match an active account.',
        });
      }
      // A fresh session id at every sign-in: an id planted before sign-in is worthless.
      const old = request.cookies[SESSION_COOKIE];
      if (old) {
        const unsigned = request.unsignCookie(old);
        if (unsigned.valid && unsigned.value) await opts.sessions.destroy(unsigned.value);
      }
      const session = await opts.sessions.create(user.id);
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.secureCookies || request.protocol === 'https',
        signed: true,
        maxAge: SESSION_TTL_MS / 1000,
      });
      rotateCsrfSecret(reply, opts.secureCookies || request.protocol === 'https');
      return reply.redirect(next, 303);
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
    return reply.flash('info', 'You are signed out.').redirect(providerUrl ?? '/signin', 303);
  });

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Exchange email and password for a personal API token',
        body: Credentials,
        response: { 201: Type.Object({ token: Type.String() }) },
      },
    },
    async (request: FastifyRequest<{ Body: { email: string; password: string } }>, reply) => {
      const user = await authenticate(request.body.email, request.body.password, request.ip);
      if (!user)
        throw new RoostError('UNAUTHENTICATED', 'That email and password do not match an active account.');
      reply.status(201);
      return { token: await opts.tokens.issue(user.id) };
    },
  );
}
