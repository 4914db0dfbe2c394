import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { csrfUserInfo } from '../auth/csrf.js';
import { isStaff } from './access.js';
import { languageLocals } from './i18n-plugin.js';

/**
 * Page rendering with what every page needs: the signed-in user, a fresh CSRF token
 * for its forms (views/partials/csrf.eta), the flash message left by the previous POST
 * (POST, then redirect, then show what happened), and the page's language: `it.lang`,
 * `it.t(key, params)` and `it.fmt` (dates and times in that language).
 */
export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
}

const FLASH_COOKIE = 'roost_flash';

declare module 'fastify' {
  interface FastifyReply {
    render(template: string, data?: Record<string, unknown>): Promise<string>;
    flash(kind: Flash['kind'], message: string): FastifyReply;
  }
}

export const renderPlugin = fp(
  async (app: FastifyInstance, opts: { secureCookies: boolean }) => {
    app.decorateReply('render', async function render(this: FastifyReply, template: string, data = {}) {
      const request = this.request;
      let flash: Flash | null = null;
      const raw = request.cookies[FLASH_COOKIE];
      if (raw) {
        const unsigned = request.unsignCookie(raw);
        try {
          if (unsigned.valid && unsigned.value) flash = JSON.parse(unsigned.value) as Flash;
        } catch {
          flash = null;
        }
        this.clearCookie(FLASH_COOKIE, { path: '/' });
      }
      this.header('cache-control', 'no-store');
      this.header('content-language', request.lang);
      return this.viewAsync(template, {
        ...languageLocals(request),
        user: request.user,
        isStaff: isStaff(request.user),
        csrfToken: this.generateCsrf({ userInfo: csrfUserInfo(request) }),
        flash,
        path: request.url.split('?')[0],
        ...data,
      });
    });

    app.decorateReply('flash', function flash(this: FastifyReply, kind: Flash['kind'], message: string) {
      return this.setCookie(FLASH_COOKIE, JSON.stringify({ kind, message: message.slice(0, 600) }), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: opts.secureCookies,
        signed: true,
        maxAge: 60,
      });
    });
  },
  {
    name: 'roost-render',
    dependencies: ['@fastify/view', '@fastify/cookie', '@fastify/csrf-protection', 'roost-i18n'],
  },
);
