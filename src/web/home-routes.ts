import type { FastifyInstance } from 'fastify';
import { createBookingService } from '../booking/booking-service.js';
import type { PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { renderHome } from './booking-routes.js';

/** "/": a welcome for visitors, "My bookings" (current and upcoming, phone status) once signed in. */
export async function homeRoutes(app: FastifyInstance, opts: { prisma: PrismaClient; clock: Clock }) {
  const bookings = createBookingService({ prisma: opts.prisma, clock: opts.clock, log: app.log });
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    if (!request.user) return reply.render('home/welcome.eta');
    return renderHome(bookings, request, reply);
  });
}
