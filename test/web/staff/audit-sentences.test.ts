import { describe, expect, it } from 'vitest';
import { auditChanges, type AuditLookups } from '../../../src/admin/audit-changes.js';
import { translator } from '../../../src/i18n/translator.js';
import type { Language } from '../../../src/i18n/languages.js';
import { formattersFor } from '../../../src/web/i18n-plugin.js';
import { auditSentence } from '../../../src/web/staff/audit-sentences.js';

const lookups: AuditLookups = {
  deskLabels: new Map([
    [5, '3.05'],
    [9, '3.09'],
  ]),
  userNames: new Map(),
  siteNames: new Map(),
  floorNames: new Map(),
};
const messages = translator();

function sentences(lang: Language, details: unknown, zone = 'Europe/Berlin') {
  const t = (key: string, params?: Record<string, unknown>) => messages.t(lang, key, params as never);
  return auditChanges(details, lookups).changes.map((c) => auditSentence(c, t, formattersFor(lang), zone));
}

const moved = {
  before: { startsAt: '2026-12-02T07:00:00.000Z', endsAt: '2026-12-02T15:00:00.000Z' },
  after: { startsAt: '2026-12-02T08:00:00.000Z', endsAt: '2026-12-02T16:00:00.000Z' },
};

describe('audit sentences in English and German, times in the site zone', () => {
  it('words a desk move', () => {
    expect(sentences('en', { before: { deskId: 5 }, after: { deskId: 9 } })).toEqual(['Desk 3.05 → 3.09']);
    expect(sentences('de', { before: { deskId: 5 }, after: { deskId: 9 } })).toEqual([
      'Arbeitsplatz 3.05 → 3.09',
    ]);
  });

  it('words a change of time within one day in the site zone, the zone named once', () => {
    expect(sentences('en', moved)).toEqual(['Time 08:00–16:00 → 09:00–17:00 CET']);
    expect(sentences('de', moved)).toEqual(['Zeit 08:00–16:00 → 09:00–17:00 MEZ']);
    expect(sentences('en', moved, 'America/New_York')).toEqual(['Time 02:00–10:00 → 03:00–11:00 EST']);
  });

  it('names the days when a change crosses days, and the facts of a new booking', () => {
    expect(
      sentences('en', {
        before: { endsAt: '2026-12-02T15:00:00.000Z' },
        after: { endsAt: '2026-12-03T15:00:00.000Z' },
      }),
    ).toEqual(['End Wed 2 Dec 2026, 16:00 CET → Thu 3 Dec 2026, 16:00 CET']);
    expect(
      sentences('de', { deskId: 5, startsAt: moved.before.startsAt, endsAt: moved.before.endsAt }),
    ).toEqual(['Arbeitsplatz: 3.05', 'Zeit: Mi., 2. Dez. 2026, 08:00–16:00 MEZ']);
  });

  it('words flags, cleared values and unknown fields', () => {
    expect(
      sentences('de', {
        before: { bookable: true, phone: 'SEP0A1B2C3D4E5F' },
        after: { bookable: false, phone: null },
      }),
    ).toEqual(['Buchbar Ja → Nein', 'Telefon entfernt (vorher SEP0A1B2C3D4E5F)']);
  });
});
