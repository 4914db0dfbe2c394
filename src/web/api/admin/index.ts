import type { FastifyInstance } from 'fastify';
import type { AdminServices } from '../../../admin/admin-services.js';
import type { BookingService } from '../../../booking/booking-service.js';
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
  opts: { admin: AdminServices; bookings: BookingService },
) {
  const { admin } = opts;
  await app.register(sitesApi, { sites: admin.sites });
  await app.register(floorsApi, { sites: admin.sites, desks: admin.desks });
  await app.register(peopleApi, { people: admin.people });
  await app.register(emClustersApi, { clusters: admin.clusters });
  await app.register(reservationsAdminApi, { bookings: opts.bookings, floorDay: admin.floorDay });
}
