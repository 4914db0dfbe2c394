import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { formatLocal, formatLocalTime, zoneLabel } from '../time/zones.js';

export async function homeRoutes(app: FastifyInstance, opts: { prisma: PrismaClient; clock: Clock }) {
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    if (!request.user) return reply.render('home/welcome.eta');
    const now = opts.clock.now();
    const bookings = await opts.prisma.reservation.findMany({
      where: { userId: request.user.id, endsAt: { gt: now }, status: { in: ['BOOKED', 'CHECKED_IN'] } },
      orderBy: { startsAt: 'asc' },
      take: 50,
      include: { desk: { include: { floor: { include: { site: true } } } } },
    });
    return reply.render('home/index.eta', {
      bookings: bookings.map((b) => {
        const zone = b.desk.floor.site.timeZone;
        return {
          id: b.id,
          desk: b.desk.label,
          floor: b.desk.floor.name,
          site: b.desk.floor.site.name,
          when: `${formatLocal(zone, b.startsAt)}–${formatLocalTime(zone, b.endsAt)} ${zoneLabel(zone, b.startsAt)}`,
          current: b.startsAt <= now,
          status: b.status,
        };
      }),
    });
  });
}
