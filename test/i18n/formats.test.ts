import { describe, expect, it } from 'vitest';
import { formatInZone, formatRange, zoneAbbreviation } from '../../src/i18n/formats.js';
import { chooseLanguage, negotiateLanguage } from '../../src/i18n/languages.js';
import { createTranslator } from '../../src/i18n/translator.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
// Wednesday 2 December 2026, 08:05 in Berlin.
const WEDNESDAY = new Date('2026-12-02T07:05:00Z');
// Sunday 28 March 2027: in Berlin 02:00 CET becomes 03:00 CEST.
const BEFORE_GAP = new Date('2027-03-28T00:30:00Z'); // 01:30 CET
const AFTER_GAP = new Date('2027-03-28T01:30:00Z'); // 03:30 CEST

describe('dates and times in each language, in the site zone', () => {
  it('German: 24-hour clock, "2.12.2026", "Mi., 2. Dez.", MEZ', () => {
    expect(formatInZone('de', BERLIN, WEDNESDAY, 'date')).toBe('2.12.2026');
    expect(formatInZone('de', BERLIN, WEDNESDAY, 'day')).toBe('Mi., 2. Dez.');
    expect(formatInZone('de', BERLIN, WEDNESDAY, 'dayWithYear')).toBe('Mi., 2. Dez. 2026');
    expect(formatInZone('de', BERLIN, WEDNESDAY, 'dayLong')).toBe('Mittwoch, 2. Dezember 2026');
    expect(formatInZone('de', BERLIN, new Date('2026-12-02T17:30:00Z'), 'time')).toBe('18:30');
    expect(zoneAbbreviation('de', BERLIN, WEDNESDAY)).toBe('MEZ');
  });

  it('English: 24-hour clock, the forms Roost has always shown', () => {
    expect(formatInZone('en', BERLIN, WEDNESDAY, 'date')).toBe('2 Dec 2026');
    expect(formatInZone('en', BERLIN, WEDNESDAY, 'day')).toBe('Wed 2 Dec');
    expect(formatInZone('en', BERLIN, WEDNESDAY, 'dayWithYear')).toBe('Wed 2 Dec 2026');
    expect(formatInZone('en', BERLIN, WEDNESDAY, 'dayLong')).toBe('Wednesday 2 December 2026');
    expect(formatInZone('en', BERLIN, new Date('2026-12-02T17:30:00Z'), 'time')).toBe('18:30');
    expect(zoneAbbreviation('en', BERLIN, WEDNESDAY)).toBe('CET');
  });

  it('on the DST day each side of the gap has its own offset and name', () => {
    expect(formatInZone('de', BERLIN, BEFORE_GAP, 'time')).toBe('01:30');
    expect(formatInZone('de', BERLIN, AFTER_GAP, 'time')).toBe('03:30');
    expect([zoneAbbreviation('de', BERLIN, BEFORE_GAP), zoneAbbreviation('de', BERLIN, AFTER_GAP)]).toEqual([
      'MEZ',
      'MESZ',
    ]);
    expect([zoneAbbreviation('en', BERLIN, BEFORE_GAP), zoneAbbreviation('en', BERLIN, AFTER_GAP)]).toEqual([
      'CET',
      'CEST',
    ]);
    expect(formatRange('de', BERLIN, BEFORE_GAP, AFTER_GAP)).toBe('So., 28. März 2027, 01:30–03:30 MEZ');
    expect(formatRange('en', BERLIN, BEFORE_GAP, AFTER_GAP)).toBe('Sun 28 Mar 2027, 01:30–03:30 CET');
  });

  it('on the day the clocks go back the hour 02:00–03:00 comes twice, told apart by MESZ/MEZ', () => {
    // Sunday 25 October 2026: in Berlin 03:00 CEST becomes 02:00 CET.
    const first = new Date('2026-10-25T00:30:00Z'); // 02:30 CEST
    const second = new Date('2026-10-25T01:30:00Z'); // 02:30 CET
    expect([formatInZone('de', BERLIN, first, 'time'), formatInZone('de', BERLIN, second, 'time')]).toEqual([
      '02:30',
      '02:30',
    ]);
    expect(formatRange('de', BERLIN, first, second)).toBe(
      'So., 25. Okt. 2026, 02:30 MESZ – So., 25. Okt. 2026, 02:30 MEZ',
    );
    expect(formatRange('en', BERLIN, first, second)).toBe(
      'Sun 25 Oct 2026, 02:30 CEST – Sun 25 Oct 2026, 02:30 CET',
    );
  });

  it('a range across midnight names both ends; New York keeps its English abbreviation in German', () => {
    const start = new Date('2026-12-02T21:00:00Z');
    const end = new Date('2026-12-03T01:00:00Z');
    expect(formatRange('en', BERLIN, start, end)).toBe(
      'Wed 2 Dec 2026, 22:00 CET – Thu 3 Dec 2026, 02:00 CET',
    );
    expect(formatRange('de', BERLIN, start, end)).toBe(
      'Mi., 2. Dez. 2026, 22:00 MEZ – Do., 3. Dez. 2026, 02:00 MEZ',
    );
    expect(zoneAbbreviation('de', NEW_YORK, WEDNESDAY)).toBe('EST');
  });
});

describe('plural forms follow each language', () => {
  const t = createTranslator({
    en: { n: '{count, plural, =0 {no desks} one {# desk} other {# desks}} free' },
    de: { n: '{count, plural, =0 {keine Arbeitsplätze} one {# Arbeitsplatz} other {# Arbeitsplätze}} frei' },
  });
  it.each([
    [0, 'no desks free', 'keine Arbeitsplätze frei'],
    [1, '1 desk free', '1 Arbeitsplatz frei'],
    [2, '2 desks free', '2 Arbeitsplätze frei'],
    [1500, '1,500 desks free', '1.500 Arbeitsplätze frei'],
  ])('%i', (count, en, de) => {
    expect(t.t('en', 'n', { count })).toBe(en);
    expect(t.t('de', 'n', { count })).toBe(de);
  });
});

describe("the catalogues' own plural forms", () => {
  const t = createTranslator();
  it.each([
    [1, '1 second', '1 Sekunde'],
    [15, '15 seconds', '15 Sekunden'],
  ])('%i second(s) of waiting', (seconds, en, de) => {
    expect(t.t('en', 'problem.auth.waitSeconds', { seconds })).toBe(en);
    expect(t.t('de', 'problem.auth.waitSeconds', { seconds })).toBe(de);
  });
  it.each([
    [1, 'Unknown event x', 'Unbekanntes Ereignis x'],
    [2, 'Unknown events x, y', 'Unbekannte Ereignisse x, y'],
  ])('%i unknown webhook event(s)', (count, en, de) => {
    const events = count === 1 ? 'x' : 'x, y';
    expect(t.t('en', 'problem.webhooks.unknownEventField', { count, events })).toBe(`${en}.`);
    expect(t.t('de', 'problem.webhooks.unknownEventField', { count, events })).toBe(`${de}.`);
  });
});

describe('which language a person gets', () => {
  it('the browser: best match of Accept-Language, else English', () => {
    expect(negotiateLanguage('de-DE,de;q=0.9,en;q=0.8')).toBe('de');
    expect(negotiateLanguage('de-AT')).toBe('de');
    expect(negotiateLanguage('en-US,en;q=0.9')).toBe('en');
    expect(negotiateLanguage('fr, de;q=0.5')).toBe('de');
    expect(negotiateLanguage('en;q=0.1, de;q=0.9')).toBe('de');
    expect(negotiateLanguage('fr-FR,fr;q=0.9')).toBe('en');
    expect(negotiateLanguage('garbage;;;q=x')).toBe('en');
    expect(negotiateLanguage(undefined)).toBe('en');
  });

  it('the account setting wins over the browser', () => {
    expect(chooseLanguage({ setting: 'en', acceptLanguage: 'de-DE' })).toBe('en');
    expect(chooseLanguage({ setting: 'de', acceptLanguage: 'en-US' })).toBe('de');
    expect(chooseLanguage({ setting: null, acceptLanguage: 'de-DE' })).toBe('de');
    expect(chooseLanguage({ setting: 'fr', acceptLanguage: undefined })).toBe('en');
  });
});
