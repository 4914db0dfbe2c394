import { describe, expect, it } from 'vitest';
import { formatDateInput, parseDateInput, parseTimeInput } from '../../src/i18n/form-input.js';

describe('dates and times typed into forms', () => {
  it('shows a date as each language writes it', () => {
    expect(formatDateInput('en', '2026-12-02')).toBe('2026-12-02');
    expect(formatDateInput('de', '2026-12-02')).toBe('2.12.2026');
    expect(formatDateInput('de', 'not a date')).toBe('not a date');
  });

  it.each([
    ['2026-12-02', '2026-12-02'],
    ['2.12.2026', '2026-12-02'],
    [' 02.12.2026 ', '2026-12-02'],
    ['2027-3-28', '2027-03-28'],
    ['31.2.2026', null],
    ['12/02/2026', null],
    ['', null],
  ])('reads the date %j as %j', (typed, iso) => {
    expect(parseDateInput(typed)).toBe(iso);
  });

  it.each([
    ['09:00', '09:00'],
    ['9:00', '09:00'],
    ['17.30', '17:30'],
    ['24:00', '24:00'],
    ['24:15', null],
    ['6:00 PM', null],
    ['25:00', null],
  ])('reads the time %j as %j', (typed, time) => {
    expect(parseTimeInput(typed)).toBe(time);
  });
});
