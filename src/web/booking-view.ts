import {
  bookableDateRange,
  defaultSearchTimes,
  localRange,
  searchWindowViolations,
  suggestedDate,
} from '../booking/booking-rules.js';
import { hasFeatures } from '../booking/availability.js';
import type { AvailabilityResult, BookingService } from '../booking/booking-service.js';
import type { TeamQueries } from '../booking/team-queries.js';
import { bookNowWindow } from '../booking/time-grid.js';
import { RoostError, msg, type Message } from '../errors.js';
import { parseDateInput, parseTimeInput } from '../i18n/form-input.js';
import type { Policy } from '../booking/booking-rules.js';
import type { Clock } from '../time/clock.js';
import { formatLocalTime, localDate } from '../time/zones.js';

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
  /** "Book now": the start is the current minute, whenever the form is read. */
  now?: string | undefined;
}

/** A desk as the map and the list show it. */
export type MapDesk = AvailabilityResult['desks'][number] & {
  state: 'free' | 'taken' | 'mine' | 'team' | 'off';
  /** Has every feature the filter asks for; the others are greyed out, not hidden. */
  matches: boolean;
  /** Who sits there, as far as the site's privacy setting lets this viewer see. */
  occupant: string | null;
};

/** What "Book now" offers: end times (HH:MM, all allowed) or why it is closed. */
export type BookNowModel =
  { open: true; date: string; ends: string[]; defaultEnd: string } | { open: false; reason: Message | null };

export interface FindModel {
  sites: Awaited<ReturnType<BookingService['sites']>>;
  input: {
    siteId: number;
    floorId: number;
    date: string;
    start: string;
    end: string;
    features: string[];
    now: boolean;
  };
  bookNow: BookNowModel;
  allFeatures: string[];
  zoneName: string;
  result:
    | (AvailabilityResult & {
        startsAt: Date;
        endsAt: Date;
        planDataUrl: string | null;
        freeCount: number;
        mapDesks: MapDesk[];
      })
    | null;
  /** The error for the whole form, with the field it concerns (for aria-describedby). */
  error: {
    message: Message;
    field: 'date' | 'start' | 'end' | 'desk' | null;
    /** Set when a booking rule answers the search (a closed day, say): a valid question, not bad input. */
    rule?: string;
  } | null;
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
    zone: string;
    startsAt: Date;
    endsAt: Date;
  } | null;
  /** The dates the date input offers (min and max): today up to the booking horizon. */
  dateRange: { min: string; max: string } | null;
}

/** Local dates on which the person already holds as many bookings as the site allows. */
async function fullDates(
  bookings: BookingService,
  userId: number,
  site: { timeZone: string; policy: { maxBookingsPerDay: number } },
  now: Date,
): Promise<Set<string>> {
  const perDay = new Map<string, number>();
  for (const b of await bookings.listForUser(userId, { from: now })) {
    const day = localDate(site.timeZone, b.startsAt);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return new Set([...perDay].filter(([, n]) => n >= site.policy.maxBookingsPerDay).map(([d]) => d));
}

export interface FindDeps {
  bookings: BookingService;
  team: TeamQueries;
}

function bookNowModel(site: { timeZone: string; policy: Policy }, now: Date): BookNowModel {
  const w = bookNowWindow(site.policy, site.timeZone, now);
  if (!w.open) return { open: false, reason: w.violation?.message ?? null };
  const hhmm = (d: Date) => formatLocalTime(site.timeZone, d);
  return { open: true, date: w.date, ends: w.ends.map(hhmm), defaultEnd: hhmm(w.defaultEnd) };
}

export async function buildFindModel(
  { bookings, team }: FindDeps,
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
      input: { siteId: site?.id ?? 0, floorId: 0, date: '', start: '', end: '', features: [], now: false },
      bookNow: { open: false, reason: null },
      allFeatures: [],
      zoneName: site?.timeZone ?? '',
      result: null,
      error: error ?? { message: msg('find.noFloors'), field: null },
      alternatives,
      ownBooking: null,
      dateRange: null,
    };
  }
  const floor = site.floors.find((f) => f.id === raw.floorId) ?? site.floors[0]!;
  const now = clock.now();
  const bookNow = bookNowModel(site, now);
  const isNow = raw.now === '1' && bookNow.open;
  const date = isNow
    ? localDate(site.timeZone, now)
    : (parseDateInput(raw.date) ??
      suggestedDate(site.policy, site.timeZone, now, await fullDates(bookings, user.id, site, now)));
  const defaults = defaultSearchTimes(site.policy, site.timeZone, date, now);
  const input = {
    siteId: site.id,
    floorId: floor.id,
    date,
    start: isNow
      ? formatLocalTime(site.timeZone, now)
      : (parseTimeInput(raw.start) ?? (raw.start || defaults.start)),
    end: parseTimeInput(raw.end) ?? (raw.end || (isNow && bookNow.open ? bookNow.defaultEnd : defaults.end)),
    features: raw.features ?? [],
    now: isNow,
  };
  let result: FindModel['result'] = null;
  let ownBooking: FindModel['ownBooking'] = null;
  let formError = error;
  try {
    const { startsAt, endsAt } = localRange(site.timeZone, date, input.start, input.end);
    // A window no desk could be booked for is answered with the rule, not with desks
    // whose Reserve buttons could only be refused.
    const [broken] = searchWindowViolations({
      policy: site.policy,
      zone: site.timeZone,
      startsAt,
      endsAt,
      now,
    });
    if (broken) {
      const field = ['too-long', 'outside-working-hours', 'in-the-past'].includes(broken.rule)
        ? 'start'
        : 'date';
      return {
        sites,
        input,
        bookNow,
        allFeatures: input.features,
        zoneName: site.timeZone,
        result: null,
        error: error ?? { message: broken.message, field, rule: broken.rule },
        alternatives: [],
        ownBooking: null,
        dateRange: bookableDateRange(site.policy, site.timeZone, now),
      };
    }
    // Every desk, unfiltered: the filter greys out what does not match instead of hiding it.
    const [found, mine, seated] = await Promise.all([
      bookings.availability({ floorId: floor.id, startsAt, endsAt, forUserId: user.id }),
      bookings.listForUser(user.id, { from: startsAt }),
      team.onFloor(user.id, floor.id, startsAt, endsAt),
    ]);
    const overlapping = mine.find((b) => b.startsAt < endsAt);
    if (overlapping)
      ownBooking = {
        id: overlapping.id,
        deskLabel: overlapping.desk.label,
        floorName: overlapping.floor.name,
        siteName: overlapping.site.name,
        zone: overlapping.site.timeZone,
        startsAt: overlapping.startsAt,
        endsAt: overlapping.endsAt,
      };
    result = {
      ...found,
      startsAt,
      endsAt,
      planDataUrl: found.floor.planSvg
        ? `data:image/svg+xml;base64,${Buffer.from(found.floor.planSvg, 'utf8').toString('base64')}`
        : null,
      freeCount: found.desks.filter((d) => d.available && hasFeatures(d, input.features)).length,
      mapDesks: found.desks.map((d) => {
        const here = seated.filter((p) => p.deskId === d.id);
        const teammate = here.find((p) => p.isTeammate);
        return {
          ...d,
          state: d.mine ? 'mine' : !d.bookable ? 'off' : d.available ? 'free' : teammate ? 'team' : 'taken',
          matches: hasFeatures(d, input.features),
          occupant: (teammate ?? here.find((p) => p.name !== null))?.name ?? null,
        };
      }),
    };
  } catch (e) {
    if (!(e instanceof RoostError) || e.code !== 'INVALID_INPUT') throw e;
    // The error names its field (the end, or the day and start); the start when it names none.
    formError ??= { message: e.text, field: e.field === 'end' ? 'end' : 'start' };
  }
  // Every feature on the floor, so the filter offers what exists (cheap: from the result).
  const allFeatures = result
    ? [...new Set(result.desks.flatMap((d) => d.features).concat(input.features))].sort()
    : input.features;
  return {
    sites,
    input,
    bookNow,
    allFeatures,
    zoneName: `${site.timeZone}`,
    result,
    error: formError,
    alternatives: ownBooking ? [] : alternatives,
    ownBooking,
    dateRange: bookableDateRange(site.policy, site.timeZone, now),
  };
}
