import { DateTime } from 'luxon';
import type { Language } from './languages.js';

/**
 * Dates and times typed into forms. Chromium's `<input type="time">` and `type="date"` follow
 * the browser's own locale, not `<html lang>` (checked in Chromium 2026-12: a German page in an
 * en-US browser shows "06:00 PM" and "12/02/2026"; the headless shell shows that even for de-DE),
 * so Roost's forms use text inputs that show the value as the page's language writes it, with a
 * hint, and accept what people type in either language (and ISO 8601, which scripts send).
 */
const DATE_INPUT: Record<Language, string> = { en: 'yyyy-MM-dd', de: 'd.M.yyyy' };

/** An ISO date (2026-12-02) as the date field shows it: "2026-12-02" or "2.12.2026". */
export function formatDateInput(lang: Language, isoDate: string): string {
  const day = DateTime.fromISO(isoDate, { zone: 'UTC' });
  return day.isValid ? day.toFormat(DATE_INPUT[lang]) : isoDate;
}

/** What a date field accepts: ISO 8601 (2026-12-02), or day.month.year (2.12.2026, 02.12.26 no). */
export const DATE_INPUT_PATTERN = '^\\s*(\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}\\.\\d{1,2}\\.\\d{4})\\s*$';
/** What a time field accepts: 24-hour hours and minutes (9:00, 09:00, 24:00). */
export const TIME_INPUT_PATTERN = '^\\s*([01]?\\d|2[0-4])[:.][0-5]\\d\\s*$';

/** The ISO date (yyyy-mm-dd) a date field's text names, or null when it names none. */
export function parseDateInput(value: string | undefined | null): string | null {
  const text = (value ?? '').trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(text);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text);
  const parts = iso
    ? { year: +iso[1]!, month: +iso[2]!, day: +iso[3]! }
    : dotted
      ? { year: +dotted[3]!, month: +dotted[2]!, day: +dotted[1]! }
      : null;
  if (!parts) return null;
  const day = DateTime.fromObject(parts, { zone: 'UTC' });
  return day.isValid ? day.toISODate() : null;
}

/** "9.00" or " 9:00 " as the HH:MM the booking rules read; null when it is not a time. */
export function parseTimeInput(value: string | undefined | null): string | null {
  const m = /^\s*([01]?\d|2[0-4])[:.]([0-5]\d)\s*$/.exec(value ?? '');
  if (!m) return null;
  const hh = m[1]!.padStart(2, '0');
  if (hh === '24' && m[2] !== '00') return null;
  return `${hh}:${m[2]}`;
}
