import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BookingService, BookingSummary } from '../booking/booking-service.js';
import type { MyDesks } from '../booking/my-desks.js';
import type { TeamQueries } from '../booking/team-queries.js';
import type { Clock } from '../time/clock.js';
import { addDays, formatLocalTime, localDate, startOfLocalDay } from '../time/zones.js';

/**
 * "My bookings" as "my week": the booking that matters now (current or next) as a card with
 * its actions, the next 14 days at a glance with my teammates beside my own bookings, Book
 * again (my last desk, my favourites), and the rest in one compact list. A series shows once
 * per day with "cancel series" instead of eleven identical cards.
 */
export const WEEK_DAYS = 14;

export interface HomeDeps {
  bookings: BookingService;
  myDesks: MyDesks;
  team: TeamQueries;
  clock: Clock;
}

export type HomeError = { message: string; reservationId: number | null; field: 'end' | null } | null;

export async function renderHome(
  deps: HomeDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  error: HomeError = null,
  status = 200,
) {
  const { bookings, myDesks, team, clock } = deps;
  const user = request.user!;
  const now = clock.now();
  const list = await bookings.listForUser(user.id);
  const sites = await bookings.sites();
  const zone =
    sites.find((s) => s.id === user.homeSiteId)?.timeZone ??
    list[0]?.site.timeZone ??
    sites[0]?.timeZone ??
    'UTC';
  const today = localDate(zone, now);
  const days = Array.from({ length: WEEK_DAYS }, (_, i) => addDays(today, i));
  const from = startOfLocalDay(zone, today);
  const to = startOfLocalDay(zone, addDays(today, WEEK_DAYS));
  const [series, teamSeats, teams, favourites, lastDesk] = await Promise.all([
    myDesks.seriesOf(list.map((b) => b.id)),
    team.teamBookings(user.id, from, to),
    team.myTeams(user.id),
    myDesks.favourites(user.id),
    myDesks.lastDesk(user.id),
  ]);
  const undoId = Number((request.query as { undo?: string } | undefined)?.undo);
  const undoUntil =
    Number.isInteger(undoId) && undoId > 0 ? await myDesks.undoableUntil(user.id, undoId) : null;
  const isFocus = (b: BookingSummary, i: number) => i === 0 || b.isCurrent || b.canCheckIn || b.canRelease;
  const seenSeries = new Set<string>();
  const rows = list.map((b) => {
    const seriesId = series.get(b.id) ?? null;
    const firstOfSeries = seriesId !== null && !seenSeries.has(seriesId);
    if (seriesId) seenSeries.add(seriesId);
    return {
      ...b,
      seriesId,
      firstOfSeries,
      extendDefault: b.extendDefaultAt ? formatLocalTime(b.site.timeZone, b.extendDefaultAt) : '',
    };
  });
  return reply.status(status).render('home/index.eta', {
    title: 'My bookings',
    bookings: rows,
    focus: rows.filter(isFocus),
    zone,
    week: days.map((date) => ({
      date,
      at: startOfLocalDay(zone, date),
      mine: rows.filter((b) => localDate(b.site.timeZone, b.startsAt) === date),
      team: teamSeats.filter((s) => localDate(s.timeZone, s.startsAt) === date),
    })),
    later: rows.filter((b) => localDate(b.site.timeZone, b.startsAt) >= addDays(today, WEEK_DAYS)),
    teams,
    favourites,
    lastDesk,
    favouriteIds: new Set(favourites.map((f) => f.id)),
    undo: undoUntil
      ? { id: undoId, until: undoUntil, seconds: Math.ceil((undoUntil.getTime() - now.getTime()) / 1000) }
      : null,
    error,
  });
}
