import type { FastifyInstance } from 'fastify';
import { createDesksService } from '../../../admin/desks-service.js';
import { createEmClustersService } from '../../../admin/em-clusters-service.js';
import { createPeopleService } from '../../../admin/people-service.js';
import { createSitesService } from '../../../admin/sites-service.js';
import type { BookingService } from '../../../booking/booking-service.js';
import type { PrismaClient } from '../../../db/database.js';
import type { Clock } from '../../../time/clock.js';
import { emClustersApi } from './em-clusters-api.js';
import { floorsApi } from './floors-api.js';
import { peopleApi } from './people-api.js';
import { reservationsAdminApi } from './reservations-api.js';
import { sitesApi } from './sites-api.js';

/**
 * The staff API under /api/v1/admin (CONTRACT.md): everything the staff pages do, through the
 * same services (src/admin, src/booking), so the same rules and the same audit entries apply.
 * Changes are PATCH with only the fields to change. Read-only lists that predate it (sites,
 * one floor, audit, EM clusters) stay in web/staff/staff-routes.ts; webhooks are webhooks-api.ts.
 */
export async function adminApi(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; clock: Clock; bookings: BookingService },
) {
  const deps = { prisma: opts.prisma, clock: opts.clock };
  const sites = createSitesService(deps);
  await app.register(sitesApi, { sites });
  await app.register(floorsApi, { sites, desks: createDesksService(deps) });
  await app.register(peopleApi, { people: createPeopleService(deps) });
  await app.register(emClustersApi, { clusters: createEmClustersService(deps) });
  await app.register(reservationsAdminApi, { bookings: opts.bookings });
}
