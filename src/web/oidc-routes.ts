import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SsoPerson } from '../auth/oidc/oidc-accounts.js';
import {
  OidcSignInError,
  PENDING_TTL_MS,
  type Claims,
  type OidcClient,
  type PendingSignIn,
} from '../auth/oidc/oidc-client.js';
import type { SessionStore } from '../auth/sessions.js';
import { safeNext } from './auth-routes.js';
import { startSession } from './session-start.js';

interface OidcRouteOptions {
  sessions: SessionStore;
  client: OidcClient;
  /** The person behind the claims, created or updated (src/auth/oidc/oidc-accounts.ts). */
  personFromClaims: (claims: Claims) => Promise<SsoPerson>;
  secureCookies: boolean;
}

/** State, nonce, PKCE verifier and destination between /login and /callback: signed, httpOnly. */
export const PENDING_COOKIE = 'roost_oidc';
const PENDING_PATH = '/auth/oidc';

function readPending(request: FastifyRequest): PendingSignIn | null {
  const raw = request.cookies[PENDING_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    const p = JSON.parse(unsigned.value) as PendingSignIn;
    return typeof p.state === 'string' &&
      typeof p.nonce === 'string' &&
      typeof p.codeVerifier === 'string' &&
      typeof p.expiresAt === 'number'
      ? { ...p, next: safeNext(p.next) }
      : null;
  } catch {
    return null;
  }
}

/** Single sign-on through OpenID Connect: GET /auth/oidc/login and GET /auth/oidc/callback. */
export async function oidcRoutes(app: FastifyInstance, opts: OidcRouteOptions) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const cookieOptions = (request: FastifyRequest) => ({
    path: PENDING_PATH,
    httpOnly: true,
    // Lax: the provider's redirect back is a top-level GET, which carries a Lax cookie.
    sameSite: 'lax' as const,
    secure: opts.secureCookies || request.protocol === 'https',
    signed: true,
  });

  async function refuse(request: FastifyRequest, reply: FastifyReply, error: OidcSignInError) {
    request.log.warn({ reason: error.message }, 'single sign-on refused');
    reply.status(error.status);
    return reply.render('auth/signin.eta', { next: '/', email: '', error: error.userMessage });
  }

  typed.get(
    '/auth/oidc/login',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })) }) },
    },
    async (request, reply) => {
      try {
        const { url, pending } = await opts.client.start(safeNext(request.query.next));
        reply.setCookie(PENDING_COOKIE, JSON.stringify(pending), {
          ...cookieOptions(request),
          maxAge: PENDING_TTL_MS / 1000,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 302);
      } catch (error) {
        if (error instanceof OidcSignInError) return refuse(request, reply, error);
        throw error;
      }
    },
  );

  typed.get(
    '/auth/oidc/callback',
    {
      config: { access: 'public' },
      schema: {
        querystring: Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4096 })),
      },
    },
    async (request, reply) => {
      const pending = readPending(request);
      // One use only: the pending sign-in is gone whatever the outcome.
      reply.clearCookie(PENDING_COOKIE, { path: PENDING_PATH });
      let person;
      let idToken: string | undefined;
      try {
        const result = await opts.client.finish(request.query, pending);
        idToken = result.idToken;
        person = await opts.personFromClaims(result.claims);
      } catch (error) {
        if (error instanceof OidcSignInError) return refuse(request, reply, error);
        throw error;
      }
      // A fresh session id and CSRF secret at every sign-in, as for password sign-in.
      await startSession(request, reply, opts, person.id, idToken ? { oidcIdToken: idToken } : {});
      request.log.info({ userId: person.id }, 'signed in through single sign-on');
      return reply.redirect(pending?.next ?? '/', 303);
    },
  );
}

/** For POST /signout: the provider's RP-initiated logout URL when the session came from SSO. */
export function providerSignOutFor(sessions: SessionStore, client: OidcClient, publicUrl: string) {
  return async (sessionToken: string): Promise<string | null> => {
    const idToken = await sessions.oidcIdTokenOf(sessionToken);
    if (!idToken) return null;
    return client.endSessionUrl(idToken, `${publicUrl}/signin`);
  };
}
