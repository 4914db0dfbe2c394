import ical, {
  escape,
  foldLines,
  formatDate,
  ICalCalendarMethod,
  ICalEventStatus,
  ICalEventTransparency,
} from 'ical-generator';
import { HOUR_MS } from '../time/clock.js';

/**
 * iCalendar (RFC 5545) text for desk bookings, written by ical-generator. Pure: events in, text out.
 *
 * Times are UTC instants (`DTSTART:20261201T080000Z`, RFC 5545 3.3.5 form #2): every calendar
 * shows them in its user's zone, and no VTIMEZONE has to be kept in step with the tz database.
 * The site's own wall time and zone go into DESCRIPTION, for the person who reads the entry.
 */

export interface IcsEvent {
  /** Stable across changes, so a calendar updates the entry instead of adding another. */
  uid: string;
  startsAt: Date;
  endsAt: Date;
  /** When this version of the event was written (DTSTAMP / LAST-MODIFIED). */
  stampAt: Date;
  /** Grows with every change; RFC 5545 3.8.7.4. */
  sequence: number;
  summary: string;
  location: string;
  description: string;
  status: 'CONFIRMED' | 'CANCELLED';
  url?: string;
}

export interface IcsCalendar {
  name: string;
  /** PUBLISH for a one-off download or an email attachment; omitted for the subscribed feed. */
  method?: 'PUBLISH';
  events: IcsEvent[];
}

const PRODID = '//Roost//Desk bookings//EN';

/** RFC 5545 3.3.11 allows no control characters in TEXT but tab; ical-generator keeps them. */
// eslint-disable-next-line no-control-regex
const withoutControls = (value: string) => value.replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '');

/** TEXT value escaping, RFC 5545 3.3.11: backslash, semicolon, comma, newline. */
export function escapeText(value: string): string {
  return escape(withoutControls(value), false);
}

/**
 * Folds a content line at 75 octets (RFC 5545 3.1): continuation lines start with one space.
 * Cuts between UTF-8 characters, never inside one.
 */
export const foldLine = (line: string): string => foldLines(line);

/** 20261201T080000Z */
export const formatUtc = (at: Date): string => formatDate(null, at);

/** The calendar as text: CRLF line endings, folded lines, a final CRLF. */
export function renderCalendar(calendar: IcsCalendar): string {
  const cal = ical({
    prodId: PRODID,
    scale: 'GREGORIAN',
    ...(calendar.method ? { method: ICalCalendarMethod.PUBLISH } : {}),
    // ical-generator writes the name as given (NAME and X-WR-CALNAME): escape it here.
    name: escapeText(calendar.name),
    // REFRESH-INTERVAL and X-PUBLISHED-TTL: how often a subscribed calendar asks again.
    ttl: HOUR_MS / 1000,
  });
  for (const e of calendar.events) {
    cal.createEvent({
      id: e.uid,
      stamp: e.stampAt,
      lastModified: e.stampAt,
      sequence: e.sequence,
      start: e.startsAt,
      end: e.endsAt,
      summary: withoutControls(e.summary),
      location: withoutControls(e.location),
      description: withoutControls(e.description),
      status: e.status === 'CANCELLED' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      transparency: ICalEventTransparency.TRANSPARENT,
      ...(e.url ? { url: e.url } : {}),
    });
  }
  // ical-generator ends with END:VCALENDAR; RFC 5545 3.1 ends every content line with CRLF.
  return `${cal.toString()}\r\n`;
}
