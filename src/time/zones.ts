import { DateTime, IANAZone, type Zone } from 'luxon';
import { DAY_MS, MINUTE_MS } from './clock.js';

/**
 * Wall time of a site <-> UTC instants, in one place.
 *
 * Rules (also in the README):
 * - A wall time that does not exist in the zone (the hour skipped when clocks go
 *   forward, e.g. 02:30 on the last Sunday of March in Europe/Berlin) is refused with
 *   a WallTimeError naming the gap; we never silently shift it.
 * - A wall time that happens twice (the hour repeated when clocks go back) means its
 *   first occurrence, the earlier instant (the offset in force before the change).
 * - Durations are real elapsed time: a booking 00:00-06:00 across a change lasts 5 or
 *   7 hours, and is shown so.
 */
export class WallTimeError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid-zone' | 'invalid-wall-time' | 'nonexistent',
    /**
     * What exactly, for the message people read (built from the catalogue outside time/):
     * the typed text or wall time, and the zone.
     */
    readonly facts: {
      problem: 'invalid-zone' | 'unparsable' | 'invalid' | 'nonexistent' | 'unshowable-date';
      input: string;
      zone?: string;
    },
  ) {
    super(message);
    this.name = 'WallTimeError';
  }
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** Zones seen valid: luxon's check builds an Intl.DateTimeFormat every call (a hot path). */
const validZones = new Set<string>();

export function isValidTimeZone(zone: string): boolean {
  if (validZones.has(zone)) return true;
  const valid = typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
  // Bounded by the zones in the data (and the ~600 IANA names): a cache that cannot grow on input.
  if (valid && validZones.size < 1000) validZones.add(zone);
  return valid;
}

/**
 * An IANA zone that remembers its UTC offsets. Luxon asks the zone for the offset at every
 * instant it converts or formats, and an IANA zone answers with an Intl formatToParts call
 * (~5 µs): a booking request asked 35 of them, a sixth of its CPU when a window opens
 * (bench/window-opens.ts). The offset at a given instant cannot change while the process
 * runs, and the instants asked about repeat (the same slots, day starts and "now"), so the
 * answers are kept per instant, a bounded number per zone.
 */
class RememberingZone extends IANAZone {
  readonly #offsets = new Map<number, number>();
  override offset(ts: number): number {
    let offset = this.#offsets.get(ts);
    if (offset === undefined) {
      offset = super.offset(ts);
      if (this.#offsets.size >= 10_000) this.#offsets.clear();
      this.#offsets.set(ts, offset);
    }
    return offset;
  }
}

const luxonZones = new Map<string, Zone>();

/**
 * What to give luxon as `{ zone }` for a site's zone name: the remembering zone for an IANA
 * name; any other text (UTC, an invalid name) as itself, for luxon to read as it always has.
 */
export function luxonZone(zone: string): Zone | string {
  let found = luxonZones.get(zone);
  if (!found) {
    // luxon reads "UTC" and "GMT" as its fixed zone, which needs no remembering.
    if (!isValidTimeZone(zone) || /^(utc|gmt)$/i.test(zone)) return zone;
    // Bounded like validZones: only valid names get here.
    if (luxonZones.size >= 1000) luxonZones.clear();
    luxonZones.set(zone, (found = new RememberingZone(zone)));
  }
  return found;
}

function assertZone(zone: string): void {
  if (!isValidTimeZone(zone))
    throw new WallTimeError(`"${zone}" is not an IANA time zone`, 'invalid-zone', {
      problem: 'invalid-zone',
      input: zone,
    });
}

/** Parses "YYYY-MM-DD" and "HH:MM" as typed in a form. */
export function parseWallTime(date: string, time: string): WallTime {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const t = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!d || !t)
    throw new WallTimeError(
      `"${date} ${time}" is not a date (YYYY-MM-DD) and time (HH:MM)`,
      'invalid-wall-time',
      { problem: 'unparsable', input: `${date} ${time}` },
    );
  return { year: +d[1]!, month: +d[2]!, day: +d[3]!, hour: +t[1]!, minute: +t[2]! };
}

/** The UTC instant of a wall time in `zone`, by the rules above. */
export function wallTimeToInstant(zone: string, wall: WallTime): Date {
  assertZone(zone);
  // Date.UTC maps years 0-99 to 1900-1999 and rolls over out-of-range fields, so the
  // fields are checked first and the date round-trip below catches 30 February.
  const inRange = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;
  if (
    !inRange(wall.year, 1900, 2999) ||
    !inRange(wall.month, 1, 12) ||
    !inRange(wall.day, 1, 31) ||
    !inRange(wall.hour, 0, 23) ||
    !inRange(wall.minute, 0, 59)
  ) {
    throw new WallTimeError(`${formatWall(wall)} is not a valid date and time`, 'invalid-wall-time', {
      problem: 'invalid',
      input: formatWall(wall),
    });
  }
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const probe = DateTime.fromMillis(asUtc, { zone: luxonZone(zone) });
  const check = new Date(asUtc);
  if (
    !probe.isValid ||
    check.getUTCDate() !== wall.day ||
    check.getUTCMonth() + 1 !== wall.month ||
    wall.hour > 23 ||
    wall.minute > 59
  ) {
    throw new WallTimeError(`${formatWall(wall)} is not a valid date and time`, 'invalid-wall-time', {
      problem: 'invalid',
      input: formatWall(wall),
    });
  }
  // The offsets in force a day either side cover any single transition. A candidate
  // counts only if it round-trips to the same wall time: none means a DST gap, two
  // mean a repeated hour, where the earlier instant wins.
  const offsets = new Set([probe.minus({ days: 1 }).offset, probe.offset, probe.plus({ days: 1 }).offset]);
  const instants = [...offsets]
    .map((offset) => asUtc - offset * MINUTE_MS)
    .filter((ms) => {
      const back = DateTime.fromMillis(ms, { zone: luxonZone(zone) });
      return back.hour === wall.hour && back.minute === wall.minute && back.day === wall.day;
    });
  if (instants.length === 0) {
    throw new WallTimeError(
      `${formatWall(wall)} does not exist in ${zone}: the clocks skip that time for daylight saving. Choose a time after the change.`,
      'nonexistent',
      { problem: 'nonexistent', input: formatWall(wall), zone },
    );
  }
  return new Date(Math.min(...instants));
}

function formatWall(w: WallTime): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

/**
 * The end of a range typed as a local date and time. "24:00" means the next midnight; with
 * `zeroIsMidnight` (the staff pages, where a grid ends at midnight) "00:00" means it too.
 * This is the one place for the midnight end rule.
 */
export function wallTimeEndToInstant(
  zone: string,
  date: string,
  time: string,
  opts: { zeroIsMidnight?: boolean } = {},
): Date {
  const t = time.trim();
  if (t === '24:00' || (opts.zeroIsMidnight && t === '00:00'))
    return startOfLocalDay(zone, addDays(parseCalendarDate(date), 1));
  return wallTimeToInstant(zone, parseWallTime(date, time));
}

/**
 * A local date "YYYY-MM-DD" that names a real day whose midnight and next midnight have
 * instants (years 1900-2998): 2026-02-30, 0000-01-01 and 9999-12-31 are refused with a
 * WallTimeError saying so.
 */
export function parseCalendarDate(date: string): string {
  const text = date.trim();
  const dt = /^\d{4}-\d{2}-\d{2}$/.test(text) ? DateTime.fromISO(text, { zone: 'UTC' }) : null;
  if (!dt || !dt.isValid || dt.year < 1900 || dt.year > 2998)
    throw new WallTimeError(
      `"${text}" is not a date Roost can show: use YYYY-MM-DD, a real day between 1900 and 2998.`,
      'invalid-wall-time',
      { problem: 'unshowable-date', input: text },
    );
  return text;
}

/**
 * "YYYY-MM-DD" (a real day of the years 1900-2998, as parseCalendarDate allows) as the instant
 * of its UTC midnight, else null. Calendar arithmetic on dates needs no zone, and the booking
 * rules do it several times per request: through luxon's ISO parser it was 4 % of the CPU
 * when a booking window opens (bench/window-opens.ts). Anything else is left to luxon.
 */
function utcMidnightOf(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m || Number(m[1]) < 1900 || Number(m[1]) > 2998) return null;
  const midnight = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over into March: only a day that reads back the same is one.
  return new Date(midnight).toISOString().startsWith(date) ? midnight : null;
}

/** The wall time of an instant in `zone`. */
export function instantToWallTime(zone: string, at: Date): WallTime {
  assertZone(zone);
  const dt = DateTime.fromJSDate(at, { zone: luxonZone(zone) });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute };
}

/** "YYYY-MM-DD" of the instant in the zone. */
export function localDate(zone: string, at: Date): string {
  assertZone(zone);
  return DateTime.fromJSDate(at, { zone: luxonZone(zone) }).toISODate()!;
}

/** ISO weekday (1 = Monday) of a local date. */
export function isoWeekday(date: string): number {
  const midnight = utcMidnightOf(date);
  if (midnight === null) return DateTime.fromISO(date, { zone: 'UTC' }).weekday;
  return new Date(midnight).getUTCDay() || 7;
}

/** Adds whole days to a local date "YYYY-MM-DD". */
export function addDays(date: string, days: number): string {
  const midnight = utcMidnightOf(date);
  if (midnight === null) return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
  return new Date(midnight + days * DAY_MS).toISOString().slice(0, 10);
}

/** Midnight at the start of a local date, as an instant (midnight always exists in IANA zones we serve, but a gap at 00:00 is handled by taking the first instant of the day). */
export function startOfLocalDay(zone: string, date: string): Date {
  assertZone(zone);
  return DateTime.fromISO(date, { zone: luxonZone(zone) })
    .startOf('day')
    .toJSDate();
}

/** Minutes after local midnight of an instant, in the zone's wall time. */
export function minuteOfLocalDay(zone: string, at: Date): number {
  const w = instantToWallTime(zone, at);
  return w.hour * 60 + w.minute;
}

/** Human label like "Mon 30 Nov 2026, 09:00" plus the zone's abbreviation. */
export function formatLocal(zone: string, at: Date, format = 'ccc d LLL yyyy, HH:mm'): string {
  return DateTime.fromJSDate(at, { zone: luxonZone(zone) }).toFormat(format);
}

export function formatLocalTime(zone: string, at: Date): string {
  return DateTime.fromJSDate(at, { zone: luxonZone(zone) }).toFormat('HH:mm');
}

/**
 * Zone abbreviation at that instant (CET, CEST, EST, EDT ...). Abbreviations depend on
 * the locale's data, so try US then British English and fall back to the IANA name.
 */
export function zoneLabel(zone: string, at: Date): string {
  for (const locale of ['en-US', 'en-GB', 'en-AU', 'en-IN']) {
    const name = shortZoneName(zone, at, locale);
    if (name && !/^(GMT|UTC)[+-]/.test(name)) return name;
  }
  return zone;
}

const shortNames = new Map<string, string | null>();

/**
 * The locale's short name of the zone at that instant ("CET", "MEZ"; "GMT+1" where it has none).
 * Asking Intl for it builds a formatter each time, the dearest step of a 409's message, so the
 * answer is kept per zone, UTC offset and locale: a zone's name for an offset does not change
 * between one instant and another (historical renames aside, which pages never show).
 */
export function shortZoneName(zone: string, at: Date, locale: string): string | null {
  const local = DateTime.fromJSDate(at, { zone: luxonZone(zone) });
  const key = `${zone} ${local.offset} ${locale}`;
  let name = shortNames.get(key);
  if (name === undefined) {
    // A bound on what odd input could make it hold; real use holds a few entries per site zone.
    if (shortNames.size >= 1000) shortNames.clear();
    name = local.setLocale(locale).offsetNameShort;
    shortNames.set(key, name);
  }
  return name;
}
