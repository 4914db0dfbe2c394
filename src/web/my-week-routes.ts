import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { BookingService } from '../booking/booking-service.js';
import type { MyDesks } from '../booking/my-desks.js';
import type { TeamQueries } from '../booking/team-queries.js';
import { DATE_INPUT_PATTERN, parseDateInput } from '../i18n/form-input.js';
import type { Clock } from '../time/clock.js';
import { addDays, localDate, startOfLocalDay } from '../time/zones.js';

/** Past bookings page by page, and "where is my team": a colleague by name, my team this week. */
const PastQuery = Type.Object({ page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })) });
const TeamQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  date: Type.Optional(Type.String({ pattern: DATE_INPUT_PATTERN, maxLength: 12 })),
});
const user = { config: { access: 'user' as const } };

export async function myWeekRoutes(
  app: FastifyInstance,
  opts: { bookings: BookingService; myDesks: MyDesks; team: TeamQueries; clock: Clock },
) {
  const { bookings, myDesks, team, clock } = opts;

  app.get('/bookings/past', { ...user, schema: { querystring: PastQuery } }, async (request, reply) => {
    const page = (request.query as Static<typeof PastQuery>).page ?? 1;
    const { items, hasMore } = await myDesks.past(request.user!.id, page);
    return reply.render('home/past.eta', { items, page, hasMore });
  });

  app.get('/team', { ...user, schema: { querystring: TeamQuery } }, async (request, reply) => {
    const q = request.query as Static<typeof TeamQuery>;
    const sites = await bookings.sites();
    const zone =
      sites.find((s) => s.id === request.user!.homeSiteId)?.timeZone ?? sites[0]?.timeZone ?? 'UTC';
    const today = localDate(zone, clock.now());
    const date = parseDateInput(q.date) ?? today;
    const dayFrom = startOfLocalDay(zone, date);
    const dayTo = startOfLocalDay(zone, addDays(date, 1));
    const [colleagues, week, teams] = await Promise.all([
      q.q ? team.findColleagues(request.user!.id, q.q, dayFrom, dayTo) : Promise.resolve(null),
      team.teamBookings(
        request.user!.id,
        startOfLocalDay(zone, today),
        startOfLocalDay(zone, addDays(today, 7)),
      ),
      team.myTeams(request.user!.id),
    ]);
    return reply.render('book/team.eta', {
      query: q.q ?? '',
      date,
      dayAt: dayFrom,
      zone,
      colleagues,
      week: Array.from({ length: 7 }, (_, i) => addDays(today, i)).map((d) => ({
        date: d,
        at: startOfLocalDay(zone, d),
        seats: week.filter((s) => localDate(s.timeZone, s.startsAt) === d),
      })),
      teams,
    });
  });
}
