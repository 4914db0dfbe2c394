import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { formatDateInput } from '../i18n/form-input.js';
import { formatInZone, formatRange, zoneAbbreviation, type DateStyle } from '../i18n/formats.js';
import { LABEL_KEYS } from '../i18n/labels.js';
import { chooseLanguage, type Language } from '../i18n/languages.js';
import type { Message } from '../i18n/message.js';
import { renderMessage } from '../i18n/render-message.js';
import { translator, type MessageParams } from '../i18n/translator.js';

/**
 * The language of each request (the person's setting, else Accept-Language, else English)
 * and the means to speak it: `request.t(key, params)` for handlers (flash messages, form
 * errors), and `t`, `lang` and `fmt` for every page (see render.ts).
 */
declare module 'fastify' {
  interface FastifyRequest {
    readonly lang: Language;
    t(key: string, params?: MessageParams): string;
    /** A domain Message (an error's text, a rule, a status) in the request's language. */
    say(message: Message): string;
  }
}

/** Date and time formatting bound to one language, for templates. */
export interface Formatters {
  date(zone: string, at: Date, style: DateStyle): string;
  range(zone: string, startsAt: Date, endsAt: Date): string;
  zone(zone: string, at: Date): string;
  /** An ISO date as a date field shows it in this language (src/i18n/form-input.ts). */
  dateInput(isoDate: string): string;
}

export function formattersFor(lang: Language): Formatters {
  return {
    date: (zone, at, style) => formatInZone(lang, zone, at, style),
    range: (zone, startsAt, endsAt) => formatRange(lang, zone, startsAt, endsAt),
    zone: (zone, at) => zoneAbbreviation(lang, zone, at),
    dateInput: (isoDate) => formatDateInput(lang, isoDate),
  };
}

/** What every template gets to speak the request's language. */
export function languageLocals(request: FastifyRequest) {
  return {
    lang: request.lang,
    t: (key: string, params?: MessageParams) => request.t(key, params),
    fmt: formattersFor(request.lang),
    /** A domain Message in the page's language (a string is shown as it is). */
    say: (message: Message | string) => (typeof message === 'string' ? message : request.say(message)),
    labels: LABEL_KEYS,
  };
}

export const i18nPlugin = fp(
  async (app: FastifyInstance) => {
    const messages = translator();
    app.decorateRequest('lang', {
      getter(this: FastifyRequest): Language {
        const header = this.headers['accept-language'];
        return chooseLanguage({ setting: this.user?.language, acceptLanguage: header });
      },
    });
    app.decorateRequest('t', function t(this: FastifyRequest, key: string, params?: MessageParams) {
      return messages.t(this.lang, key, params);
    });
    app.decorateRequest('say', function say(this: FastifyRequest, message: Message) {
      return renderMessage(this.lang, message);
    });
  },
  { name: 'roost-i18n', dependencies: ['roost-access'] },
);
