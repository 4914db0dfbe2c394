import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * CSRF tokens bound to the session (issue 18). @fastify/csrf-protection keeps its secret in a
 * signed cookie; with `getUserInfo` every token also carries (hashed) who it was made for: the
 * session's id hash, or "anonymous" before sign-in. Another person's token and cookie pair does
 * not pass with my session, and the secret cookie is replaced at sign-in and sign-out, so a
 * pair planted before sign-in is worthless afterwards.
 */
export const CSRF_COOKIE = '_csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the session token when the request carries a live session (access.ts). */
    sessionKey: string | null;
  }
}

export const csrfUserInfo = (request: FastifyRequest): string =>
  request.sessionKey ? `session:${request.sessionKey}` : 'anonymous';

/** The HMAC key for userInfo tokens, derived from the cookie-signing secret. */
export const csrfHmacKey = (sessionSecret: string) =>
  createHash('sha256').update(`roost-csrf|${sessionSecret}`).digest('base64url');

export function csrfCookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, signed: true };
}

/** A new CSRF secret for the next pages (sign-in, sign-out). */
export function rotateCsrfSecret(reply: FastifyReply, secure: boolean): void {
  reply.setCookie(CSRF_COOKIE, randomBytes(18).toString('base64url'), csrfCookieOptions(secure));
}
