import { DateTime } from 'luxon';
import type { OccupancyReport } from './occupancy.js';
import { barChart, lineChart, niceMax } from './svg-charts.js';

/**
 * The occupancy report as tables of text, built once and used twice: the dashboard
 * renders them as HTML tables and the CSV export writes every cell of them, so the two
 * cannot disagree. Numbers are written without units (the unit is in the column
 * header) and with fixed decimals; "n/a" means there was nothing to measure.
 */
export interface ReportTable {
  /** Stable key: the HTML table's id and the CSV's `table` column. */
  id: string;
  caption: string;
  /** Header of the first column, whose cells are row headers (th scope="row"). */
  rowHeader: string;
  columns: string[];
  rows: { header: string; cells: string[] }[];
}

export const NOT_AVAILABLE = 'n/a';

const int = (n: number) => String(n);
const oneDecimal = (n: number | null) => (n === null ? NOT_AVAILABLE : n.toFixed(1));
const percent = (ratio: number | null) => (ratio === null ? NOT_AVAILABLE : (ratio * 100).toFixed(1));
const hourLabel = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

/** What each figure means, shown on the dashboard beside the numbers. */
export const METRIC_DEFINITIONS: { term: string; definition: string }[] = [
  {
    term: 'Bookings',
    definition:
      "Bookings of the chosen desks that start on the day (in the site's time zone), whatever became of them, except cancelled ones, which are counted apart.",
  },
  {
    term: 'Utilisation by hour',
    definition:
      "For each hour of the day on the site's clock: the desk-hours held by bookings during that hour on every working day in the range, divided by the desk-hours the bookable desks offered in it. A booking holds its desk from start to end (a release ends it early); no-shows and cancelled bookings hold nothing. Future days count what is booked. On the day the clocks go forward the skipped hour offers nothing; on the day they go back the repeated hour counts twice.",
  },
  {
    term: 'No-show rate',
    definition:
      'No-shows divided by the bookings in the range that have already started (cancelled ones left out).',
  },
  {
    term: 'Release rate',
    definition: 'Bookings released early divided by the same started bookings.',
  },
  {
    term: 'Most and least used desks',
    definition:
      'Hours each bookable desk was held inside the range, and how many bookings held it; ties in floor and desk order.',
  },
  {
    term: 'Phone login success rate',
    definition:
      'Phone logins due in the range that succeeded, divided by those that succeeded, failed or met a conflict (another user on the phone). Skipped, cancelled and unfinished logins are left out.',
  },
  {
    term: 'Login delay',
    definition:
      'Completion time minus due time of each successful login, in seconds: the median and the 95th percentile (linear interpolation). The due time is the last one scheduled, so a retry starts a new wait.',
  },
];

export function reportTables(report: OccupancyReport): ReportTable[] {
  const deskTable = (id: string, caption: string, desks: OccupancyReport['desks']['most']): ReportTable => ({
    id,
    caption,
    rowHeader: 'Desk',
    columns: ['Floor', 'Booked hours', 'Bookings'],
    rows: desks.map((d) => ({
      header: d.label,
      cells: [d.floor, oneDecimal(d.bookedHours), int(d.bookings)],
    })),
  });
  const { rates, phoneLogins: logins } = report;
  return [
    {
      id: 'bookings-per-day',
      caption: 'Bookings per day',
      rowHeader: 'Date',
      columns: ['Day', 'Bookings', 'No-shows', 'Released', 'Cancelled'],
      rows: report.days.map((d) => ({
        header: d.date,
        cells: [d.weekday, int(d.bookings), int(d.noShows), int(d.released), int(d.cancelled)],
      })),
    },
    {
      id: 'utilisation-by-hour',
      caption: 'Desk utilisation by hour of day, working days',
      rowHeader: 'Hour',
      columns: ['Occupied desk-hours', 'Available desk-hours', 'Utilisation (%)'],
      rows: report.hours.map((h) => ({
        header: `${hourLabel(h.hour)}-${hourLabel((h.hour + 1) % 24)}`,
        cells: [oneDecimal(h.occupiedDeskHours), oneDecimal(h.availableDeskHours), percent(h.utilisation)],
      })),
    },
    {
      id: 'booking-outcomes',
      caption: 'No-shows and releases',
      rowHeader: 'Outcome',
      columns: ['Bookings', 'Started bookings', 'Rate (%)'],
      rows: [
        {
          header: 'No-show',
          cells: [int(rates.noShows), int(rates.startedBookings), percent(rates.noShowRate)],
        },
        {
          header: 'Released',
          cells: [int(rates.released), int(rates.startedBookings), percent(rates.releaseRate)],
        },
      ],
    },
    {
      id: 'phone-logins',
      caption: 'Phone logins',
      rowHeader: 'Measure',
      columns: ['Value'],
      rows: [
        { header: 'Logins attempted', cells: [int(logins.attempted)] },
        { header: 'Succeeded', cells: [int(logins.done)] },
        { header: 'Failed', cells: [int(logins.failed)] },
        { header: 'Conflict', cells: [int(logins.conflict)] },
        { header: 'Success rate (%)', cells: [percent(logins.successRate)] },
        { header: 'Median delay (s)', cells: [oneDecimal(logins.delayMedianSeconds)] },
        { header: '95th percentile delay (s)', cells: [oneDecimal(logins.delayP95Seconds)] },
      ],
    },
    deskTable('most-used-desks', 'Most used desks', report.desks.most),
    deskTable('least-used-desks', 'Least used desks', report.desks.least),
  ];
}

export interface ReportCharts {
  bookingsPerDay: string;
  utilisationByHour: string;
}

/** The two charts; each names the table that holds its numbers. */
export function reportCharts(report: OccupancyReport): ReportCharts {
  const busiest = report.days.reduce<OccupancyReport['days'][number] | null>(
    (best, d) => (best === null || d.bookings > best.bookings ? d : best),
    null,
  );
  const measured = report.hours.filter((h) => h.utilisation !== null);
  const peak = measured.reduce<OccupancyReport['hours'][number] | null>(
    (best, h) => (best === null || h.utilisation! > best.utilisation! ? h : best),
    null,
  );
  return {
    bookingsPerDay: barChart(
      report.days.map((d) => ({
        label: DateTime.fromISO(d.date, { zone: 'UTC' }).toFormat('d LLL'),
        value: d.bookings,
      })),
      {
        id: 'chart-bookings',
        title: `Bookings per day, ${report.from} to ${report.to}`,
        description:
          `One bar per day for ${report.days.length} days.` +
          (busiest && busiest.bookings > 0
            ? ` Most bookings: ${busiest.bookings} on ${busiest.date}.`
            : ' No bookings.') +
          ' The numbers are in the table Bookings per day.',
      },
    ),
    utilisationByHour: lineChart(
      report.hours.map((h) => ({ label: String(h.hour).padStart(2, '0'), value: h.utilisation })),
      {
        id: 'chart-utilisation',
        title: 'Desk utilisation by hour of day',
        description:
          'Share of bookable desk time held in each hour of the day, averaged over working days.' +
          (peak && peak.utilisation! > 0
            ? ` Peak: ${(peak.utilisation! * 100).toFixed(1)}% at ${hourLabel(peak.hour)}.`
            : ' No desk time held.') +
          ' The numbers are in the table Desk utilisation by hour of day.',
        // Zoomed to the peak (a round share up to 100%), so a quiet site still shows its shape.
        max: peak && peak.utilisation! > 0 ? Math.min(1, niceMax(peak.utilisation!)) : 1,
        format: (v) => `${Number((v * 100).toFixed(1))}%`,
      },
    ),
  };
}

/**
 * RFC 4180 CSV of every cell of the tables, one line per cell: table, row, column, value,
 * the same text as the page shows. CRLF line ends; a field with a comma, quote or line
 * break is quoted, quotes doubled. Text a spreadsheet would run as a formula (a desk
 * label starting with = + - @) gets a leading apostrophe; numbers are left alone.
 */
export function tablesToCsv(tables: ReportTable[]): string {
  const lines = [['table', 'row', 'column', 'value']];
  for (const table of tables) {
    for (const row of table.rows) {
      table.columns.forEach((column, i) => {
        lines.push([table.id, row.header, column, row.cells[i] ?? '']);
      });
    }
  }
  return lines.map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) && !/^[+-]?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
