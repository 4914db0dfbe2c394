import { describe, expect, it } from 'vitest';
import { reservationEvent, type ReservationWithPlace } from '../../src/calendar/calendar-feed.js';
import { composeNotice } from '../../src/notify/notifier.js';

// Emails and calendar texts in the person's language, else the site's default language.
function booking(siteLanguage: string, status: ReservationWithPlace['status'] = 'BOOKED') {
  const at = new Date('2026-12-02T08:00:00Z');
  return {
    id: 7,
    status,
    startsAt: at,
    endsAt: new Date('2026-12-02T16:30:00Z'),
    updatedAt: at,
    desk: {
      label: '3.01',
      floor: {
        name: 'Etage 3',
        site: { name: 'Berlin', address: null, timeZone: 'Europe/Berlin', defaultLanguage: siteLanguage },
      },
    },
  } as unknown as ReservationWithPlace;
}
const person = (language: string | null) => ({ email: 'ada@example.com', displayName: 'Ada', language });

describe('emails and calendar texts per language', () => {
  it('a confirmation in German for a person who chose German, whatever the site says', () => {
    const notice = composeNotice('confirmed', { ...booking('en'), user: person('de') });
    expect(notice.subject).toBe(
      'Arbeitsplatz 3.01 gebucht: Mi., 2. Dez. 2026, 09:00–17:30 MEZ (Europe/Berlin)',
    );
    expect(notice.text).toBe(
      'Guten Tag Ada,\n\nIhre Buchung von Arbeitsplatz 3.01, Etage 3, Berlin ist bestätigt: ' +
        'Mi., 2. Dez. 2026, 09:00–17:30 MEZ (Europe/Berlin).\n' +
        'Das Telefon am Arbeitsplatz meldet Sie an, wenn die Buchung beginnt.\n\n— Roost',
    );
  });

  it("the site's default language when the person chose none; English when they chose English", () => {
    const german = composeNotice(
      'cancelled-by-staff',
      { ...booking('de'), user: person(null) },
      { by: null },
    );
    expect(german.subject).toBe('Buchung von Arbeitsplatz 3.01 storniert');
    expect(german.text).toContain('wurde von dem Facility-Team storniert.');
    const english = composeNotice(
      'cancelled-by-staff',
      { ...booking('de'), user: person('en') },
      { by: 'Frances' },
    );
    expect(english.subject).toBe('Desk 3.01 booking cancelled');
    expect(english.text).toBe(
      'Hello Ada,\n\nyour booking of desk 3.01, Etage 3, Berlin for Wed 2 Dec 2026, 09:00–17:30 CET (Europe/Berlin) ' +
        'was cancelled by Frances.\nBook another desk in Roost if you still need one.\n\n— Roost',
    );
  });

  it('a calendar event in German', () => {
    const event = reservationEvent(booking('de', 'NO_SHOW'), 0, 'de');
    expect(event.summary).toBe('Arbeitsplatz 3.01 (Berlin)');
    expect(event.description).toBe(
      'Arbeitsplatz 3.01, Etage 3, Berlin\nMi., 2. Dez. 2026, 09:00–17:30 MEZ (Europe/Berlin)\nStatus: freigegeben (nicht eingecheckt)',
    );
    expect(reservationEvent(booking('de'), 0).summary).toBe('Desk 3.01 (Berlin)');
  });
});
