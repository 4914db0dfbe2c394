import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { OccupancyReport } from '../../src/insight/occupancy.js';
import {
  reportCharts,
  reportTables,
  tablesToCsv,
  type ReportTable,
} from '../../src/insight/report-tables.js';
import { parseCsv } from './parse-csv.js';

function report(overrides: Partial<OccupancyReport> = {}): OccupancyReport {
  return {
    site: { id: 1, name: 'Berlin', timeZone: 'Europe/Berlin' },
    floor: null,
    from: '2026-12-07',
    to: '2026-12-08',
    rangeStartsAt: new Date('2026-12-06T23:00:00Z'),
    rangeEndsAt: new Date('2026-12-08T23:00:00Z'),
    generatedAt: new Date('2026-12-08T12:00:00Z'),
    workingDays: [1, 2, 3, 4, 5],
    bookableDesks: 3,
    days: [
      {
        date: '2026-12-07',
        weekday: 'Mon',
        isWorkingDay: true,
        bookings: 4,
        noShows: 1,
        released: 0,
        cancelled: 2,
      },
      {
        date: '2026-12-08',
        weekday: 'Tue',
        isWorkingDay: true,
        bookings: 2,
        noShows: 0,
        released: 1,
        cancelled: 0,
      },
    ],
    hours: Array.from({ length: 24 }, (_, hour) => ({
      hour,
      occupiedDeskHours: hour === 9 ? 1.5 : 0,
      availableDeskHours: hour === 2 ? 0 : 6,
      utilisation: hour === 2 ? null : hour === 9 ? 0.25 : 0,
    })),
    rates: { startedBookings: 6, noShows: 1, released: 1, noShowRate: 1 / 6, releaseRate: 1 / 6 },
    desks: {
      most: [{ deskId: 1, label: '=HYPERLINK("x")', floor: 'Floor, "one"', bookedHours: 12.25, bookings: 3 }],
      least: [{ deskId: 2, label: 'A2', floor: 'Floor 1', bookedHours: 0, bookings: 0 }],
    },
    phoneLogins: {
      done: 3,
      failed: 1,
      conflict: 0,
      attempted: 4,
      successRate: 0.75,
      delayMedianSeconds: 20,
      delayP95Seconds: null,
    },
    ...overrides,
  };
}

const byId = (tables: ReportTable[], id: string) => tables.find((t) => t.id === id)!;

describe('reportTables', () => {
  const tables = reportTables(report());

  it('writes numbers with their unit in the header and n/a where nothing was measured', () => {
    expect(byId(tables, 'bookings-per-day').rows).toEqual([
      { header: '2026-12-07', cells: ['Mon', '4', '1', '0', '2'] },
      { header: '2026-12-08', cells: ['Tue', '2', '0', '1', '0'] },
    ]);
    const hours = byId(tables, 'utilisation-by-hour');
    expect(hours.rows).toHaveLength(24);
    expect(hours.rows[9]).toEqual({ header: '09:00-10:00', cells: ['1.5', '6.0', '25.0'] });
    expect(hours.rows[2]!.cells[2]).toBe('n/a');
    expect(hours.rows[23]!.header).toBe('23:00-00:00');
    expect(byId(tables, 'booking-outcomes').rows[0]).toEqual({
      header: 'No-show',
      cells: ['1', '6', '16.7'],
    });
    const logins = Object.fromEntries(byId(tables, 'phone-logins').rows.map((r) => [r.header, r.cells[0]]));
    expect(logins).toMatchObject({
      'Success rate (%)': '75.0',
      'Median delay (s)': '20.0',
      '95th percentile delay (s)': 'n/a',
    });
  });
});

describe('tablesToCsv', () => {
  const tables = reportTables(report());
  const csv = tablesToCsv(tables);

  it('is RFC 4180 with one line per table cell, matching the tables exactly', () => {
    const records = parseCsv(csv);
    expect(records[0]).toEqual(['table', 'row', 'column', 'value']);
    const expected = tables.flatMap((t) =>
      t.rows.flatMap((r) => t.columns.map((c, i) => [t.id, r.header, c, r.cells[i]!])),
    );
    // The formula-looking desk label is the one value the export changes.
    const neutralised = expected.map((fields) => fields.map((f) => (f.startsWith('=') ? `'${f}` : f)));
    expect(records.slice(1)).toEqual(neutralised);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('quotes commas and quotes, and keeps formulas from running in a spreadsheet', () => {
    expect(csv).toContain(`most-used-desks,"'=HYPERLINK(""x"")",Floor,"Floor, ""one"""\r\n`);
    const negative = tablesToCsv([
      {
        id: 't',
        caption: 'T',
        rowHeader: 'R',
        columns: ['v'],
        rows: [{ header: '-1.5', cells: ['@SUM(A1)'] }],
      },
    ]);
    expect(negative).toBe("table,row,column,value\r\nt,-1.5,v,'@SUM(A1)\r\n");
  });
});

describe('reportCharts', () => {
  it('draws both charts as valid SVG that point to their tables', () => {
    const charts = reportCharts(report());
    expect(XMLValidator.validate(charts.bookingsPerDay)).toBe(true);
    expect(XMLValidator.validate(charts.utilisationByHour)).toBe(true);
    expect(charts.bookingsPerDay).toContain('Most bookings: 4 on 2026-12-07.');
    expect(charts.utilisationByHour).toContain('Peak: 25.0% at 09:00.');
    // The axis zooms to a round share above the peak (25% -> 50%), not always 100%.
    expect(charts.utilisationByHour).toContain('>50%</text>');
    expect(charts.utilisationByHour).not.toContain('>100%</text>');
    expect(charts.bookingsPerDay.match(/<rect /g)).toHaveLength(2);
  });
});
