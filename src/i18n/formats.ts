import { DateTime } from 'luxon';
import { luxonZone, shortZoneName, zoneLabel } from '../time/zones.js';
import type { Language } from './languages.js';

/**
 * Dates and times as each language writes them, always in the site's zone. Both languages use
 * the 24-hour clock. English keeps the forms Roost has always shown ("Wed 2 Dec 2026",
 * "Wednesday 2 December 2026"); German follows its conventions through Intl ("Mi., 2. Dez.",
 * "2.12.2026", "Mittwoch, 2. Dezember 2026").
 */
export type DateStyle = 'day' | 'dayWithYear' | 'dayLong' | 'date' | 'time';

type Format = { tokens: string } | { intl: Intl.DateTimeFormatOptions };

const FORMATS: Record<Language, Record<DateStyle, Format>> = {
  en: {
    day: { tokens: 'ccc d LLL' },
    dayWithYear: { tokens: 'ccc d LLL yyyy' },
    dayLong: { tokens: 'cccc d LLLL yyyy' },
    date: { tokens: 'd LLL yyyy' },
    time: { tokens: 'HH:mm' },
  },
  de: {
    day: { intl: { weekday: 'short', day: 'numeric', month: 'short' } },
    dayWithYear: { intl: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' } },
    dayLong: { intl: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' } },
    date: { intl: { day: 'numeric', month: 'numeric', year: 'numeric' } },
    time: { tokens: 'HH:mm' },
  },
};

/** The Intl locale of each language (English as written in Europe: 2 December, 24-hour clock). */
export const LOCALES: Record<Language, string> = { en: 'en-GB', de: 'de-DE' };

export function formatInZone(lang: Language, zone: string, at: Date, style: DateStyle): string {
  const local = DateTime.fromJSDate(at, { zone: luxonZone(zone) }).setLocale(LOCALES[lang]);
  const format = FORMATS[lang][style];
  return 'tokens' in format ? local.toFormat(format.tokens) : local.toLocaleString(format.intl);
}

/**
 * The zone's abbreviation at that instant in the language (CET/MEZ, CEST/MESZ, EST, EDT).
 * Where German has only "GMT-5" (New York), the English abbreviation is clearer.
 */
export function zoneAbbreviation(lang: Language, zone: string, at: Date): string {
  if (lang === 'de') {
    const name = shortZoneName(zone, at, 'de-DE');
    if (name && !/^(GMT|UTC)[+-]/.test(name)) return name;
  }
  return zoneLabel(zone, at);
}

/**
 * A booking's time in one line, the zone named by its abbreviation: "Wed 2 Dec 2026,
 * 09:00–17:00 CET" within a local day, else both ends in full ("Wed 2 Dec 2026, 22:00 CET –
 * Thu 3 Dec 2026, 02:00 CET"). On the night the clocks go back the hour after 02:00 comes
 * twice, so a range that spans the change names both ends in full too ("02:30 CEST – … 02:30
 * CET"); where the clocks go forward the wall times alone cannot mislead.
 */
export function formatRange(lang: Language, zone: string, startsAt: Date, endsAt: Date): string {
  const at = (instant: Date) =>
    `${formatInZone(lang, zone, instant, 'dayWithYear')}, ${formatInZone(lang, zone, instant, 'time')}`;
  const [start, end] = [
    DateTime.fromJSDate(startsAt, { zone: luxonZone(zone) }),
    DateTime.fromJSDate(endsAt, { zone: luxonZone(zone) }),
  ];
  const short = start.toISODate() === end.toISODate() && end.offset >= start.offset;
  return short
    ? `${at(startsAt)}–${formatInZone(lang, zone, endsAt, 'time')} ${zoneAbbreviation(lang, zone, startsAt)}`
    : `${at(startsAt)} ${zoneAbbreviation(lang, zone, startsAt)} – ${at(endsAt)} ${zoneAbbreviation(lang, zone, endsAt)}`;
}
