import { readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import ICU from 'i18next-icu';
import { LANGUAGES, type Language } from './languages.js';

/**
 * Every text people read comes from one catalogue file per language (locales/en.json,
 * locales/de.json), written in ICU MessageFormat: `{count, plural, one {# desk} other {# desks}}`
 * follows each language's plural rules (CLDR, through Intl.PluralRules), `{name}` inserts a
 * value. Templates escape what they print, so the catalogue never holds markup and values are
 * not escaped here.
 */
export type Catalogue = { [key: string]: string | Catalogue };
export type MessageParams = Record<string, string | number | Date>;

export interface Translator {
  t(lang: Language, key: string, params?: MessageParams): string;
  /** True when the key exists in the language's catalogue. */
  has(lang: Language, key: string): boolean;
}

const localesDir = path.resolve(import.meta.dirname, '../../locales');

export function loadCatalogue(lang: Language): Catalogue {
  return JSON.parse(readFileSync(path.join(localesDir, `${lang}.json`), 'utf8')) as Catalogue;
}

export function createTranslator(
  catalogues: Record<Language, Catalogue> = Object.fromEntries(
    LANGUAGES.map((l) => [l, loadCatalogue(l)]),
  ) as Record<Language, Catalogue>,
): Translator {
  const instance: i18n = i18next.createInstance();
  void instance.use(ICU).init({
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: catalogues[l] }])),
    lng: 'en',
    // A key missing in German must show up in the catalogue test, not as English on a German page.
    fallbackLng: false,
    initAsync: false,
    returnNull: false,
    interpolation: { escapeValue: false },
  });
  return {
    t: (lang, key, params) => instance.t(key, { ...params, lng: lang }),
    has: (lang, key) => instance.exists(key, { lng: lang }),
  };
}

let shared: Translator | undefined;
/** The catalogues are read once per process. */
export function translator(): Translator {
  shared ??= createTranslator();
  return shared;
}
