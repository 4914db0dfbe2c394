import type { FastifyReply, FastifyRequest } from 'fastify';
import { rotateCsrfSecret } from '../auth/csrf.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionStore } from '../auth/sessions.js';

/**
 * Signs a person in, however they proved who they are (password, second factor, single
 * sign-on): the old session ends, a new session id is issued in an httpOnly SameSite cookie,
 * and the CSRF secret is renewed, so nothing from before sign-in carries over.
 */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { sessions: SessionStore; secureCookies: boolean },
  userId: number,
  extra: { oidcIdToken?: string } = {},
): Promise<void> {
  const old = request.cookies[SESSION_COOKIE];
  if (old) {
    const unsigned = request.unsignCookie(old);
    if (unsigned.valid && unsigned.value) await opts.sessions.destroy(unsigned.value);
  }
  const session = await opts.sessions.create(userId, extra);
  const secure = opts.secureCookies || request.protocol === 'https';
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    maxAge: SESSION_TTL_MS / 1000,
  });
  rotateCsrfSecret(reply, secure);
}
