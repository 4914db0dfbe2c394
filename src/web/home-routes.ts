import type { FastifyInstance } from 'fastify';
import type { BookingService } from '../booking/booking-service.js';
import { renderHome } from './booking-routes.js';

/** "/": a welcome for visitors, "My bookings" (current and upcoming, phone status) once signed in. */
export async function homeRoutes(app: FastifyInstance, opts: { bookings: BookingService }) {
  const { bookings } = opts;
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    if (!request.user) return reply.render('home/welcome.eta');
    return renderHome(bookings, request, reply);
  });
}
