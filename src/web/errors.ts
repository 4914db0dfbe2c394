import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RoostError, type RoostErrorCode } from '../errors.js';
import { renderMessage, renderMessages } from '../i18n/render-message.js';
import { translator } from '../i18n/translator.js';
import { languageLocals } from './i18n-plugin.js';

/** The one place where domain error codes become HTTP statuses. */
export const statusFor: Record<RoostErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BOOKING_CONFLICT: 409,
  IN_USE: 409,
  RULE_VIOLATION: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/**
 * The path of a request. An absolute-form request line (`GET http://host/api/v1/x HTTP/1.1`,
 * RFC 9112 3.2.2) leaves request.url absolute while the router still matches the route, so the
 * scheme and authority are cut off here: such a request is an API request like any other.
 */
export function requestPath(request: FastifyRequest): string {
  const url = request.url;
  if (url.startsWith('/')) return url;
  return url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
}

/** True for /api/...: Bearer tokens only, never the session cookie (and so no CSRF). */
export const isApiRequest = (request: FastifyRequest) =>
  (request.routeOptions?.url ?? requestPath(request)).startsWith('/api/') ||
  requestPath(request).startsWith('/api/');

/**
 * What the database layer makes of an error (db/pg-errors.ts pgErrorKind), handed in by app.ts
 * because web/ never imports db/. Two answers matter here: 'db-down' (503, try again) and
 * 'unstorable-text' (a NUL byte or a character PostgreSQL cannot store: the caller's input, 400).
 */
export type DbErrorKindOf = (error: unknown) => string | null;

export function registerErrorHandling(app: FastifyInstance, dbErrorKind: DbErrorKindOf): void {
  app.setErrorHandler(
    async (error: FastifyError | RoostError | Error, request: FastifyRequest, reply: FastifyReply) => {
      let status: number;
      let code: string;
      let message: string;
      let details: Record<string, unknown> = {};
      const api = isApiRequest(request) || !request.headers.accept?.includes('text/html');
      // The API speaks English (its messages are part of the contract); pages the reader's language.
      const lang = api ? 'en' : request.lang;
      const say = (key: string, params?: Record<string, string>) => translator().t(lang, key, params);
      if (error instanceof RoostError) {
        status = statusFor[error.code];
        code = error.code;
        message = renderMessage(lang, error.text);
        details = renderMessages(lang, error.details) as Record<string, unknown>;
      } else if ((error as FastifyError).validation) {
        status = 400;
        code = 'INVALID_INPUT';
        message = say('errors.invalidRequest', { detail: error.message });
      } else if (
        typeof (error as FastifyError).statusCode === 'number' &&
        (error as FastifyError).statusCode! < 500
      ) {
        status = (error as FastifyError).statusCode!;
        code = (error as FastifyError).code ?? 'BAD_REQUEST';
        message = friendly4xx(status, error.message, say);
      } else if (dbErrorKind(error) === 'unstorable-text') {
        status = 400;
        code = 'INVALID_INPUT';
        message = say('errors.unstorable');
      } else if (dbErrorKind(error) === 'db-down') {
        status = 503;
        code = 'UNAVAILABLE';
        message = say('errors.databaseDown');
        reply.header('retry-after', '10');
        request.log.error({ err: error }, 'database unavailable');
      } else {
        status = 500;
        code = 'INTERNAL';
        message = say('errors.internal', { requestId: request.id });
        request.log.error({ err: error }, 'request failed');
      }
      // The header says what the body says (retryAfterSeconds), never a fixed guess.
      if (status === 429 && !reply.getHeader('retry-after')) {
        const seconds = Number(details.retryAfterSeconds);
        reply.header(
          'retry-after',
          String(Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 60),
        );
      }
      reply.status(status);
      if (api) return { error: code, message, ...details, requestId: request.id };
      reply.header('content-language', request.lang);
      return reply.viewAsync('errors/error.eta', {
        ...languageLocals(request),
        status,
        message,
        requestId: request.id,
        user: request.user ?? null,
      });
    },
  );

  app.setNotFoundHandler(async (request, reply) => {
    reply.status(404);
    if (isApiRequest(request) || !request.headers.accept?.includes('text/html')) {
      return { error: 'NOT_FOUND', message: `No such page: ${request.method} ${request.url.split('?')[0]}` };
    }
    reply.header('content-language', request.lang);
    return reply.viewAsync('errors/error.eta', {
      ...languageLocals(request),
      status: 404,
      message: request.t('errors.noSuchPage'),
      requestId: request.id,
      user: request.user ?? null,
    });
  });
}

function friendly4xx(status: number, message: string, say: (key: string) => string): string {
  if (status === 413) return say('errors.tooLarge');
  if (status === 415) return say('errors.unsupportedType');
  if (status === 403 && /csrf/i.test(message)) return say('errors.csrf');
  return message;
}
