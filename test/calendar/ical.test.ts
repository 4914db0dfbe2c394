import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, formatUtc, renderCalendar } from '../../src/calendar/ical.js';

const event = (over: Partial<Parameters<typeof renderCalendar>[0]['events'][number]> = {}) => ({
  uid: 'reservation-1@roost',
  startsAt: new Date('2026-12-01T08:00:00Z'),
  endsAt: new Date('2026-12-01T16:00:00Z'),
  stampAt: new Date('2026-11-20T10:00:00Z'),
  sequence: 0,
  summary: 'Desk A-1 (HQ)',
  location: 'Desk A-1, Floor 1, HQ',
  description: 'line one\nline two',
  status: 'CONFIRMED' as const,
  ...over,
});

describe('iCalendar text (RFC 5545)', () => {
  it('escapes backslashes, semicolons, commas and newlines', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds lines at 75 octets without splitting a UTF-8 character', () => {
    const line = `SUMMARY:${'Zürich Büro größer '.repeat(10)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
    for (const part of parts.slice(1)) expect(part.startsWith(' ')).toBe(true);
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
    expect(folded).not.toContain('\uFFFD');
  });

  it('writes UTC instants in the basic format', () => {
    expect(formatUtc(new Date('2026-03-29T01:30:00.000Z'))).toBe('20260329T013000Z');
  });

  it('uses CRLF only, and a standard parser reads back the escaped and folded text', () => {
    const text = renderCalendar({
      name: 'Roost; bookings, mine',
      method: 'PUBLISH',
      events: [
        event({
          summary: "Desk 1,2;3 \\ O'Brien & Sons",
          description: `Desk 1, Floor 2; Site\\HQ\n${'long text '.repeat(20)}`,
        }),
      ],
    });
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const cal = new ICAL.Component(ICAL.parse(text));
    expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
    const vevent = cal.getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('summary')).toBe("Desk 1,2;3 \\ O'Brien & Sons");
    expect(vevent.getFirstPropertyValue('description')).toBe(
      `Desk 1, Floor 2; Site\\HQ\n${'long text '.repeat(20)}`,
    );
    const ev = new ICAL.Event(vevent);
    expect(ev.startDate.toJSDate().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(ev.endDate.toJSDate().toISOString()).toBe('2026-12-01T16:00:00.000Z');
    expect(ev.uid).toBe('reservation-1@roost');
  });

  it('marks cancelled bookings STATUS:CANCELLED', () => {
    const text = renderCalendar({ name: 'x', events: [event({ status: 'CANCELLED' })] });
    expect(text).toContain('\r\nSTATUS:CANCELLED\r\n');
  });
});
