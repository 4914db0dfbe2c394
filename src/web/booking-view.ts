import { formatMinuteOfDay, localRange, suggestedDate, type Policy } from '../booking/booking-rules.js';
import type { AvailabilityResult, BookingService } from '../booking/booking-service.js';
import { RoostError } from '../errors.js';
import { parseDateInput, parseTimeInput } from '../i18n/form-input.js';
import type { Clock } from '../time/clock.js';
import { formatLocal, formatLocalTime, localDate, minuteOfLocalDay, zoneLabel } from '../time/zones.js';

/**
 * What the "find a desk" page shows, built from the form's input (or the defaults:
 * the person's home site, its first floor, today or the next working day, and the
 * site's working hours). Kept apart from the routes so each route stays a few lines.
 */
export interface FindInput {
  siteId?: number | undefined;
  floorId?: number | undefined;
  date?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  features?: string[] | undefined;
}

export interface FindModel {
  sites: Awaited<ReturnType<BookingService['sites']>>;
  input: { siteId: number; floorId: number; date: string; start: string; end: string; features: string[] };
  allFeatures: string[];
  zoneName: string;
  result:
    | (AvailabilityResult & {
        when: string;
        startsAt: Date;
        endsAt: Date;
        planDataUrl: string | null;
        freeCount: number;
      })
    | null;
  /** The error for the whole form, with the field it concerns (for aria-describedby). */
  error: { message: string; field: 'date' | 'start' | 'end' | 'desk' | null } | null;
  alternatives: { id: number; label: string; features: string[] }[];
  /**
   * The person's own booking that overlaps the searched time, on any floor. One desk per
   * person at a time, so while it stands no desk can be reserved and the page says so
   * instead of offering Reserve buttons that can only be refused.
   */
  ownBooking: {
    id: number;
    deskLabel: string;
    floorName: string;
    siteName: string;
    when: string;
    zone: string;
    startsAt: Date;
    endsAt: Date;
  } | null;
}

const roundUpToQuarter = (minute: number) => Math.ceil(minute / 15) * 15;

function defaultTimes(policy: Policy, zone: string, date: string, now: Date) {
  let start = policy.workdayStartMinute;
  if (date === localDate(zone, now)) start = Math.max(start, roundUpToQuarter(minuteOfLocalDay(zone, now)));
  const end = policy.workdayEndMinute >= 1440 ? '24:00' : formatMinuteOfDay(policy.workdayEndMinute);
  return { start: formatMinuteOfDay(Math.min(start, policy.workdayEndMinute - 15)), end };
}

export async function buildFindModel(
  bookings: BookingService,
  clock: Clock,
  user: { id: number; homeSiteId: number | null },
  raw: FindInput,
  error: FindModel['error'] = null,
  alternatives: FindModel['alternatives'] = [],
): Promise<FindModel> {
  const sites = await bookings.sites();
  const site =
    sites.find((s) => s.id === raw.siteId) ??
    sites.find((s) => s.floors.some((f) => f.id === raw.floorId)) ??
    sites.find((s) => s.id === user.homeSiteId) ??
    sites[0];
  if (!site || site.floors.length === 0) {
    return {
      sites,
      input: { siteId: site?.id ?? 0, floorId: 0, date: '', start: '', end: '', features: [] },
      allFeatures: [],
      zoneName: site?.timeZone ?? '',
      result: null,
      error: error ?? { message: 'No floors are set up yet. Ask facilities to add one.', field: null },
      alternatives,
      ownBooking: null,
    };
  }
  const floor = site.floors.find((f) => f.id === raw.floorId) ?? site.floors[0]!;
  const now = clock.now();
  const date = parseDateInput(raw.date) ?? suggestedDate(site.policy, site.timeZone, now);
  const defaults = defaultTimes(site.policy, site.timeZone, date, now);
  const input = {
    siteId: site.id,
    floorId: floor.id,
    date,
    start: parseTimeInput(raw.start) ?? (raw.start || defaults.start),
    end: parseTimeInput(raw.end) ?? (raw.end || defaults.end),
    features: raw.features ?? [],
  };
  let result: FindModel['result'] = null;
  let ownBooking: FindModel['ownBooking'] = null;
  let formError = error;
  try {
    const { startsAt, endsAt } = localRange(site.timeZone, date, input.start, input.end);
    const [found, mine] = await Promise.all([
      bookings.availability({
        floorId: floor.id,
        startsAt,
        endsAt,
        forUserId: user.id,
        ...(input.features.length > 0 ? { features: input.features } : {}),
      }),
      bookings.listForUser(user.id, { from: startsAt }),
    ]);
    const overlapping = mine.find((b) => b.startsAt < endsAt);
    if (overlapping)
      ownBooking = {
        id: overlapping.id,
        deskLabel: overlapping.desk.label,
        floorName: overlapping.floor.name,
        siteName: overlapping.site.name,
        when: overlapping.when,
        zone: overlapping.site.timeZone,
        startsAt: overlapping.startsAt,
        endsAt: overlapping.endsAt,
      };
    result = {
      ...found,
      startsAt,
      endsAt,
      when: `${formatLocal(site.timeZone, startsAt, 'cccc d LLLL yyyy')}, ${formatLocalTime(site.timeZone, startsAt)}–${formatLocalTime(site.timeZone, endsAt)} ${zoneLabel(site.timeZone, startsAt)}`,
      planDataUrl: found.floor.planSvg
        ? `data:image/svg+xml;base64,${Buffer.from(found.floor.planSvg, 'utf8').toString('base64')}`
        : null,
      freeCount: found.desks.filter((d) => d.available).length,
    };
  } catch (e) {
    if (!(e instanceof RoostError) || e.code !== 'INVALID_INPUT') throw e;
    formError ??= { message: e.message, field: /end/i.test(e.message) ? 'end' : 'start' };
  }
  // Every feature on the floor, so the filter offers what exists (cheap: from the result).
  const allFeatures = result
    ? [...new Set(result.desks.flatMap((d) => d.features).concat(input.features))].sort()
    : input.features;
  return {
    sites,
    input,
    allFeatures,
    zoneName: `${site.timeZone}`,
    result,
    error: formError,
    alternatives: ownBooking ? [] : alternatives,
    ownBooking,
  };
}
