import { describe, expect, it } from 'vitest';
import { buildOccupancyReport } from '../../src/insight/occupancy.js';
import type { OccupancyRows } from '../../src/insight/occupancy-queries.js';

/** The rows of two working days at a Berlin site with `desks` bookable desks. */
function rows(overrides: Partial<OccupancyRows> = {}, desks: unknown = 2): OccupancyRows {
  return {
    rangeStartsAt: new Date('2026-12-06T23:00:00Z'),
    rangeEndsAt: new Date('2026-12-08T23:00:00Z'),
    days: [],
    hours: [],
    rates: [],
    desks: [],
    logins: [],
    deskCount: [{ n: desks }],
    ...overrides,
  };
}

const context = {
  siteId: 1,
  floorId: null,
  zone: 'Europe/Berlin',
  workingDays: [5, 1, 2, 3, 4],
  from: '2026-12-07',
  to: '2026-12-08',
  now: new Date('2026-12-08T12:00:00Z'),
  site: { id: 1, name: 'Berlin' },
  floor: null,
};

const desk = (deskId: number, label: string, bookedSeconds: unknown, bookings: unknown = 1) => ({
  deskId,
  label,
  floor: 'Ground',
  bookedSeconds,
  bookings,
});

describe('buildOccupancyReport', () => {
  it('keeps the scope, the range instants and the working days in order', () => {
    const report = buildOccupancyReport(rows(), context);
    expect(report.site).toEqual({ id: 1, name: 'Berlin', timeZone: 'Europe/Berlin' });
    expect(report.floor).toBeNull();
    expect([report.from, report.to]).toEqual(['2026-12-07', '2026-12-08']);
    expect(report.rangeStartsAt).toEqual(new Date('2026-12-06T23:00:00Z'));
    expect(report.generatedAt).toEqual(context.now);
    expect(report.workingDays).toEqual([1, 2, 3, 4, 5]);
    expect(report.bookableDesks).toBe(2);
  });

  // Each driver hands numbers back differently (pg: numeric strings and bigint counts).
  it.each([
    ['number', 3, 3],
    ['bigint', 3n, 3],
    ['numeric string', '3', 3],
    ['null', null, 0],
    ['absent', undefined, 0],
  ])('reads a count given as %s', (_kind, given, expected) => {
    const report = buildOccupancyReport(
      rows({ days: [{ date: '2026-12-07', bookings: given, noShows: 0, released: 0, cancelled: 0 }] }),
      context,
    );
    expect(report.days[0]!.bookings).toBe(expected);
  });

  it.each([
    // date, weekday, working day (Mon-Fri)
    ['2026-12-07', 'Mon', true],
    ['2026-12-11', 'Fri', true],
    ['2026-12-12', 'Sat', false],
    ['2026-12-13', 'Sun', false],
  ])('names %s as %s (working day: %s)', (date, weekday, isWorkingDay) => {
    const report = buildOccupancyReport(
      rows({ days: [{ date, bookings: 1, noShows: 0, released: 0, cancelled: 2 }] }),
      context,
    );
    expect(report.days).toEqual([
      { date, weekday, isWorkingDay, bookings: 1, noShows: 0, released: 0, cancelled: 2 },
    ]);
  });

  it.each([
    // hour, bucket hours, occupied seconds, bookable desks -> occupied, available, utilisation
    { hour: 9, buckets: 2, seconds: 7200, desks: 2, occupied: 2, available: 4, utilisation: 0.5 },
    { hour: 10, buckets: 2, seconds: 14400, desks: 2, occupied: 4, available: 4, utilisation: 1 },
    { hour: 2, buckets: 3, seconds: 0, desks: 2, occupied: 0, available: 6, utilisation: 0 },
    { hour: 9, buckets: 2, seconds: 0, desks: 0, occupied: 0, available: 0, utilisation: null },
  ])(
    'hour $hour: $seconds s held over $buckets bucket(s) of $desks desk(s) is $utilisation',
    ({ hour, buckets, seconds, desks, occupied, available, utilisation }) => {
      const report = buildOccupancyReport(
        rows({ hours: [{ hour, bucketHours: buckets, occupiedSeconds: seconds }] }, desks),
        context,
      );
      expect(report.hours).toHaveLength(24);
      expect(report.hours[hour]).toEqual({
        hour,
        occupiedDeskHours: occupied,
        availableDeskHours: available,
        utilisation,
      });
    },
  );

  it('fills the hours no working day has with zeros and no utilisation', () => {
    const report = buildOccupancyReport(
      rows({ hours: [{ hour: '8', bucketHours: 2, occupiedSeconds: 3600 }] }),
      context,
    );
    expect(report.hours.map((h) => h.hour)).toEqual([...Array(24).keys()]);
    expect(report.hours[8]!.utilisation).toBe(0.25);
    expect(report.hours[7]).toEqual({
      hour: 7,
      occupiedDeskHours: 0,
      availableDeskHours: 0,
      utilisation: null,
    });
  });

  it.each([
    // started, no-shows, released -> no-show rate, release rate
    [10, 2, 3, 0.2, 0.3],
    [4, 0, 0, 0, 0],
    [0, 0, 0, null, null],
  ])(
    '%i started bookings with %i no-shows and %i releases',
    (started, noShows, released, noShowRate, releaseRate) => {
      const report = buildOccupancyReport(rows({ rates: [{ started, noShows, released }] }), context);
      expect(report.rates).toEqual({ startedBookings: started, noShows, released, noShowRate, releaseRate });
    },
  );

  it('gives no rates when the rate query returns no row', () => {
    expect(buildOccupancyReport(rows(), context).rates).toEqual({
      startedBookings: 0,
      noShows: 0,
      released: 0,
      noShowRate: null,
      releaseRate: null,
    });
  });

  it('lists the five most and least used desks, ties in floor-and-label order', () => {
    const report = buildOccupancyReport(
      rows({
        desks: [
          desk(1, 'G1', 3600),
          desk(2, 'G2', 0, 0),
          desk(3, 'G3', 7200, 2),
          desk(4, 'G4', 3600),
          desk(5, 'G5', '1800'),
          desk(6, 'G6', 0, 0),
          desk(7, 'G7', 10800, 3),
        ],
      }),
      context,
    );
    expect(report.desks.most.map((d) => d.label)).toEqual(['G7', 'G3', 'G1', 'G4', 'G5']);
    expect(report.desks.least.map((d) => d.label)).toEqual(['G2', 'G6', 'G5', 'G1', 'G4']);
    expect(report.desks.most[0]).toEqual({
      deskId: 7,
      label: 'G7',
      floor: 'Ground',
      bookedHours: 3,
      bookings: 3,
    });
  });

  it.each([
    // done, failed, conflict, median, p95 -> attempted, success rate
    { done: 8, failed: 1, conflict: 1, median: 1.5, p95: '4.25', attempted: 10, successRate: 0.8 },
    { done: 0, failed: 0, conflict: 0, median: null, p95: null, attempted: 0, successRate: null },
  ])(
    'phone logins: $done done of $attempted',
    ({ done, failed, conflict, median, p95, attempted, successRate }) => {
      const report = buildOccupancyReport(
        rows({ logins: [{ done, failed, conflict, median, p95 }] }),
        context,
      );
      expect(report.phoneLogins).toEqual({
        done,
        failed,
        conflict,
        attempted,
        successRate,
        delayMedianSeconds: median,
        delayP95Seconds: p95 === null ? null : Number(p95),
      });
    },
  );
});
