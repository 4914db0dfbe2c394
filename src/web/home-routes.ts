import type { FastifyInstance } from 'fastify';
import { renderHome, type HomeDeps } from './home-view.js';

/** "/": a welcome for visitors, "My bookings" (my week, phone status) once signed in. */
export async function homeRoutes(app: FastifyInstance, opts: HomeDeps) {
  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    if (!request.user) return reply.render('home/welcome.eta');
    return renderHome(opts, request, reply);
  });
}
