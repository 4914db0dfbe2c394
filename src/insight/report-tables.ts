import { DateTime } from 'luxon';
import type { Language } from '../i18n/languages.js';
import { translator, type MessageParams } from '../i18n/translator.js';
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

/** What each figure means, shown on the dashboard beside the numbers (keys of the catalogue). */
const DEFINITION_KEYS = [
  'bookings',
  'utilisation',
  'noShowRate',
  'releaseRate',
  'desks',
  'loginSuccess',
  'loginDelay',
] as const;
const DEFINITION_TERMS: Record<(typeof DEFINITION_KEYS)[number], [string, string]> = {
  bookings: ['insight.definitions.bookings.term', 'insight.definitions.bookings.text'],
  utilisation: ['insight.definitions.utilisation.term', 'insight.definitions.utilisation.text'],
  noShowRate: ['insight.definitions.noShowRate.term', 'insight.definitions.noShowRate.text'],
  releaseRate: ['insight.definitions.releaseRate.term', 'insight.definitions.releaseRate.text'],
  desks: ['insight.definitions.desks.term', 'insight.definitions.desks.text'],
  loginSuccess: ['insight.definitions.loginSuccess.term', 'insight.definitions.loginSuccess.text'],
  loginDelay: ['insight.definitions.loginDelay.term', 'insight.definitions.loginDelay.text'],
};

const say = (lang: Language) => (key: string, params?: MessageParams) => translator().t(lang, key, params);

export function metricDefinitions(lang: Language = 'en'): { term: string; definition: string }[] {
  const t = say(lang);
  return DEFINITION_KEYS.map((k) => ({
    term: t(DEFINITION_TERMS[k][0]),
    definition: t(DEFINITION_TERMS[k][1]),
  }));
}

/** The definitions in English, as they were first written. */
export const METRIC_DEFINITIONS = metricDefinitions('en');

/** Weekday names as the report carries them (English abbreviations) to the table's language. */
const WEEKDAY_KEYS: Record<string, string> = {
  Mon: 'insight.weekday.Mon',
  Tue: 'insight.weekday.Tue',
  Wed: 'insight.weekday.Wed',
  Thu: 'insight.weekday.Thu',
  Fri: 'insight.weekday.Fri',
  Sat: 'insight.weekday.Sat',
  Sun: 'insight.weekday.Sun',
};

export function reportTables(report: OccupancyReport, lang: Language = 'en'): ReportTable[] {
  const t = say(lang);
  const deskTable = (id: string, caption: string, desks: OccupancyReport['desks']['most']): ReportTable => ({
    id,
    caption,
    rowHeader: t('insight.col.desk'),
    columns: [t('insight.col.floor'), t('insight.col.bookedHours'), t('insight.col.bookings')],
    rows: desks.map((d) => ({
      header: d.label,
      cells: [d.floor, oneDecimal(d.bookedHours), int(d.bookings)],
    })),
  });
  const { rates, phoneLogins: logins } = report;
  return [
    {
      id: 'bookings-per-day',
      caption: t('insight.table.bookingsPerDay'),
      rowHeader: t('insight.col.date'),
      columns: [
        t('insight.col.day'),
        t('insight.col.bookings'),
        t('insight.col.noShows'),
        t('insight.col.released'),
        t('insight.col.cancelled'),
      ],
      rows: report.days.map((d) => ({
        header: d.date,
        cells: [
          WEEKDAY_KEYS[d.weekday] ? t(WEEKDAY_KEYS[d.weekday]!) : d.weekday,
          int(d.bookings),
          int(d.noShows),
          int(d.released),
          int(d.cancelled),
        ],
      })),
    },
    {
      id: 'utilisation-by-hour',
      caption: t('insight.table.utilisation'),
      rowHeader: t('insight.col.hour'),
      columns: [t('insight.col.occupied'), t('insight.col.available'), t('insight.col.utilisation')],
      rows: report.hours.map((h) => ({
        header: `${hourLabel(h.hour)}-${hourLabel((h.hour + 1) % 24)}`,
        cells: [oneDecimal(h.occupiedDeskHours), oneDecimal(h.availableDeskHours), percent(h.utilisation)],
      })),
    },
    {
      id: 'booking-outcomes',
      caption: t('insight.table.outcomes'),
      rowHeader: t('insight.col.outcome'),
      columns: [t('insight.col.bookings'), t('insight.col.started'), t('insight.col.rate')],
      rows: [
        {
          header: t('insight.row.noShow'),
          cells: [int(rates.noShows), int(rates.startedBookings), percent(rates.noShowRate)],
        },
        {
          header: t('insight.col.released'),
          cells: [int(rates.released), int(rates.startedBookings), percent(rates.releaseRate)],
        },
      ],
    },
    {
      id: 'phone-logins',
      caption: t('insight.table.logins'),
      rowHeader: t('insight.col.measure'),
      columns: [t('insight.col.value')],
      rows: [
        { header: t('insight.row.attempted'), cells: [int(logins.attempted)] },
        { header: t('insight.row.succeeded'), cells: [int(logins.done)] },
        { header: t('insight.row.failed'), cells: [int(logins.failed)] },
        { header: t('insight.row.conflict'), cells: [int(logins.conflict)] },
        { header: t('insight.row.successRate'), cells: [percent(logins.successRate)] },
        { header: t('insight.row.median'), cells: [oneDecimal(logins.delayMedianSeconds)] },
        { header: t('insight.row.p95'), cells: [oneDecimal(logins.delayP95Seconds)] },
      ],
    },
    deskTable('most-used-desks', t('insight.table.mostUsed'), report.desks.most),
    deskTable('least-used-desks', t('insight.table.leastUsed'), report.desks.least),
  ];
}

export interface ReportCharts {
  bookingsPerDay: string;
  utilisationByHour: string;
}

/** The two charts; each names the table that holds its numbers. */
export function reportCharts(report: OccupancyReport, lang: Language = 'en'): ReportCharts {
  const t = say(lang);
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
        label:
          lang === 'en'
            ? DateTime.fromISO(d.date, { zone: 'UTC' }).toFormat('d LLL')
            : DateTime.fromISO(d.date, { zone: 'UTC' }).setLocale('de-DE').toFormat('d. LLL'),
        value: d.bookings,
      })),
      {
        id: 'chart-bookings',
        title: t('insight.chart.bookingsTitle', { from: report.from, to: report.to }),
        description: [
          t('insight.chart.bookingsBars', { days: report.days.length }),
          busiest && busiest.bookings > 0
            ? t('insight.chart.bookingsMost', { count: busiest.bookings, date: busiest.date })
            : t('insight.chart.bookingsNone'),
          t('insight.chart.bookingsTable'),
        ].join(' '),
      },
    ),
    utilisationByHour: lineChart(
      report.hours.map((h) => ({ label: String(h.hour).padStart(2, '0'), value: h.utilisation })),
      {
        id: 'chart-utilisation',
        title: t('insight.chart.utilisationTitle'),
        description: [
          t('insight.chart.utilisationShare'),
          peak && peak.utilisation! > 0
            ? t('insight.chart.utilisationPeak', {
                percent: (peak.utilisation! * 100).toFixed(1),
                hour: hourLabel(peak.hour),
              })
            : t('insight.chart.utilisationNone'),
          t('insight.chart.utilisationTable'),
        ].join(' '),
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
export function tablesToCsv(tables: ReportTable[], lang: Language = 'en'): string {
  const t = say(lang);
  const lines = [
    [t('insight.csv.table'), t('insight.csv.row'), t('insight.csv.column'), t('insight.csv.value')],
  ];
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
