/**
 * iCalendar (RFC 5545) text for desk bookings. Pure: events in, text out.
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

const PRODID = '-//Roost//Desk bookings//EN';

/** TEXT value escaping, RFC 5545 3.3.11: backslash, semicolon, comma, newline. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, ''); // eslint-disable-line no-control-regex
}

/**
 * Folds a content line at 75 octets (RFC 5545 3.1): continuation lines start with one space.
 * Cuts between UTF-8 characters, never inside one.
 */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  // The first line may hold 75 octets; continuation lines 74 after their leading space.
  let limit = 75;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (octets + size > limit) {
      out.push(current);
      current = ' ';
      octets = 1;
      limit = 75;
    }
    current += char;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n');
}

/** 20261201T080000Z */
export function formatUtc(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The calendar as text: CRLF line endings, folded lines, a final CRLF. */
export function renderCalendar(calendar: IcsCalendar): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    ...(calendar.method ? [`METHOD:${calendar.method}`] : []),
    `X-WR-CALNAME:${escapeText(calendar.name)}`,
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
  ];
  for (const e of calendar.events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${escapeText(e.uid)}`,
      `DTSTAMP:${formatUtc(e.stampAt)}`,
      `LAST-MODIFIED:${formatUtc(e.stampAt)}`,
      `SEQUENCE:${e.sequence}`,
      `DTSTART:${formatUtc(e.startsAt)}`,
      `DTEND:${formatUtc(e.endsAt)}`,
      `SUMMARY:${escapeText(e.summary)}`,
      `LOCATION:${escapeText(e.location)}`,
      `DESCRIPTION:${escapeText(e.description)}`,
      `STATUS:${e.status}`,
      'TRANSP:TRANSPARENT',
      ...(e.url ? [`URL:${e.url}`] : []),
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
