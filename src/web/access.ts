import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiTokenStore, SessionStore, SessionUser } from '../auth/sessions.js';
import { SESSION_COOKIE, sessionKeyOf } from '../auth/sessions.js';
import { RoostError, msg } from '../errors.js';
import { isApiRequest, requestPath } from './errors.js';

/**
 * Who may call a route, declared on every route as `config: { access }`. A route that
 * declares nothing does not start (one place for every role check).
 * - public: anyone; user: signed in; staff: facilities or admin; admin: admin only.
 * Pages authenticate with the session cookie, /api/v1 only with a Bearer token, so
 * the API needs no CSRF token and pages always check one.
 */
export type Access = 'public' | 'user' | 'staff' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The route checks a Bearer token itself and reads no cookie (SCIM): no CSRF check. */
    bearerOnly?: boolean;
  }
  interface FastifyRequest {
    user: SessionUser | null;
  }
}

// Routes added by plugins we do not configure route by route (static files, API docs).
const PLUGIN_PUBLIC_PREFIXES = ['/public/', '/api/v1/docs'];

/** Pages a person who must choose a new password may still use. */
const PASSWORD_FIRST_ALLOWED = new Set(['/account/password', '/signout', '/signin']);

/** Pages a person who must set up TOTP may still use. */
const TOTP_FIRST_ALLOWED = new Set(['/account/totp', '/account/totp/enable', '/signout', '/signin']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const isStaff = (user: SessionUser | null) => user?.role === 'FACILITIES' || user?.role === 'ADMIN';

function allowed(access: Access, user: SessionUser | null): boolean {
  switch (access) {
    case 'public':
      return true;
    case 'user':
      return user !== null;
    case 'staff':
      return isStaff(user);
    case 'admin':
      return user?.role === 'ADMIN';
  }
}

export const accessPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      sessions: SessionStore;
      tokens: ApiTokenStore;
      /** True when this person's role needs TOTP and they have none yet (issue 18). */
      mustEnrolTotp?: (user: SessionUser) => Promise<boolean>;
    },
  ) => {
    app.decorateRequest('user', null);
    app.decorateRequest('sessionKey', null);

    app.addHook('onRoute', (route) => {
      if (route.config?.access) return;
      if (PLUGIN_PUBLIC_PREFIXES.some((p) => route.url.startsWith(p))) {
        route.config = { ...route.config, access: 'public' };
        return;
      }
      throw new Error(`Route ${String(route.method)} ${route.url} must declare config.access`);
    });

    app.addHook('onRequest', async (request: FastifyRequest) => {
      if (isApiRequest(request)) {
        const header = request.headers.authorization;
        const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
        if (match) request.user = await opts.tokens.lookup(match[1]!);
        return;
      }
      const raw = request.cookies[SESSION_COOKIE];
      if (raw) {
        const unsigned = request.unsignCookie(raw);
        if (unsigned.valid && unsigned.value) {
          request.user = await opts.sessions.lookup(unsigned.value);
          if (request.user) request.sessionKey = sessionKeyOf(unsigned.value);
        }
      }
    });

    // Before schema validation: a caller who may not use a route learns nothing about its input.
    app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
      const access = request.routeOptions.config?.access ?? 'user';
      if (!allowed(access, request.user)) {
        if (request.user === null) {
          if (!isApiRequest(request) && request.method === 'GET') {
            return reply.redirect(`/signin?next=${encodeURIComponent(requestPath(request))}`);
          }
          throw new RoostError(
            'UNAUTHENTICATED',
            msg(isApiRequest(request) ? 'problem.access.signInFirstApi' : 'problem.access.sessionEnded'),
          );
        }
        throw new RoostError(
          'FORBIDDEN',
          msg(access === 'admin' ? 'problem.access.adminOnly' : 'problem.access.staffOnly'),
        );
      }
    });

    // Someone whose password staff set or imported chooses their own before anything else.
    app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.user || isApiRequest(request)) return;
      const path = requestPath(request).split('?')[0]!;
      if (PLUGIN_PUBLIC_PREFIXES.some((p) => path.startsWith(p))) return;
      if (request.user.mustChangePassword) {
        if (PASSWORD_FIRST_ALLOWED.has(path)) return;
        if (request.method === 'GET') return reply.redirect('/account/password');
        throw new RoostError('FORBIDDEN', msg('problem.access.passwordFirst'));
      }
      // Staff whose role needs a second factor set one up before anything else.
      if (request.user.role !== 'EMPLOYEE' && opts.mustEnrolTotp && !TOTP_FIRST_ALLOWED.has(path)) {
        if (!(await opts.mustEnrolTotp(request.user))) return;
        if (request.method === 'GET') return reply.redirect('/account/totp');
        throw new RoostError('FORBIDDEN', msg('problem.access.totpFirst'));
      }
    });

    // CSRF on every unsafe page request (forms), after the access check.
    app.addHook('preHandler', (request, reply, done) => {
      if (
        isApiRequest(request) ||
        SAFE_METHODS.has(request.method) ||
        request.routeOptions.config?.bearerOnly
      )
        return done();
      app.csrfProtection(request, reply, done);
    });
  },
  { name: 'roost-access', dependencies: ['@fastify/cookie', '@fastify/csrf-protection'] },
);
