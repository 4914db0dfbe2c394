import Negotiator from 'negotiator';

/**
 * The languages Roost speaks. A person's language is their account setting, else the
 * browser's Accept-Language, else English (CONTRACT.md, Languages).
 */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** Each language's own name, from the catalogue (keys listed so the catalogue check sees them). */
export const LANGUAGE_NAME_KEYS: Record<Language, string> = { en: 'languages.en', de: 'languages.de' };

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/** The best of our languages for an Accept-Language header ("de-DE,de;q=0.9,en;q=0.8"). */
export function negotiateLanguage(acceptLanguage: string | undefined): Language {
  if (!acceptLanguage) return DEFAULT_LANGUAGE;
  // Negotiator matches "de-DE" to "de" and honours q-values; a header it cannot parse
  // (or one naming only languages we lack) gives English.
  const best = new Negotiator({ headers: { 'accept-language': acceptLanguage.slice(0, 500) } }).language([
    ...LANGUAGES,
  ]);
  return isLanguage(best) ? best : DEFAULT_LANGUAGE;
}

/** The account setting wins; then the browser; then English. */
export function chooseLanguage(input: {
  setting?: string | null | undefined;
  acceptLanguage?: string | undefined;
}): Language {
  if (isLanguage(input.setting)) return input.setting;
  return negotiateLanguage(input.acceptLanguage);
}
