import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { LanguageSetting } from '../account/language-setting.js';
import { LANGUAGE_NAME_KEYS, LANGUAGES, negotiateLanguage } from '../i18n/languages.js';
import { translator } from '../i18n/translator.js';

const LanguageBody = Type.Object(
  {
    // "" = follow the browser.
    language: Type.Union([Type.Literal(''), ...LANGUAGES.map((l) => Type.Literal(l))]),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** The account page: the person's language (more settings join it here). */
export async function accountLanguageRoutes(app: FastifyInstance, opts: { languages: LanguageSetting }) {
  app.get('/account', { config: { access: 'user' } }, async (request, reply) => {
    const setting = await opts.languages.get(request.user!.id);
    const browser = request.t(LANGUAGE_NAME_KEYS[negotiateLanguage(request.headers['accept-language'])]);
    const options = [
      { value: '', label: request.t('account.language.browser', { language: browser }), lang: null },
      ...LANGUAGES.map((l) => ({ value: l, label: request.t(LANGUAGE_NAME_KEYS[l]), lang: l })),
    ];
    return reply.render('account/index.eta', {
      title: request.t('account.language.title'),
      options: options.map((o) => ({ ...o, selected: o.value === (setting ?? '') })),
    });
  });

  app.post(
    '/account/language',
    { config: { access: 'user' }, schema: { body: LanguageBody } },
    async (request, reply) => {
      const { language } = request.body as Static<typeof LanguageBody>;
      const chosen = language === '' ? null : language;
      await opts.languages.set(request.user!.id, chosen);
      // Said in the language just chosen: this request still speaks the one it came in with.
      const now = chosen ?? negotiateLanguage(request.headers['accept-language']);
      const t = translator();
      return reply
        .flash('success', t.t(now, 'account.language.saved', { language: t.t(now, LANGUAGE_NAME_KEYS[now]) }))
        .redirect('/account', 303);
    },
  );
}
