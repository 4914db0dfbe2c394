import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import type { AdminServices } from '../../admin/admin-services.js';
import { MAX_PLAN_BYTES } from '../../admin/floor-plan.js';
import { invalidInput, msg } from '../../errors.js';
import { clusterJson } from '../api/admin/em-clusters-api.js';
import { deskJson } from '../api/admin/floors-api.js';
import type { BookingService } from '../../booking/booking-service.js';
import type { PhonesService } from '../../scheduler/phones-service.js';
import { auditRoutes } from './audit-routes.js';
import { floorDayRoutes } from './floor-day-routes.js';
import { deskPlanRoutes } from './desk-plan-routes.js';
import { floorsRoutes } from './floors-routes.js';
import { peopleRoutes } from './people-routes.js';
import { sitesRoutes } from './sites-routes.js';
import { adminOnly, pageOf, staff } from './staff-helpers.js';
import { AuditFilterQuery, IdParams } from '../route-schemas.js';

/**
 * Facilities staff and admin pages under /staff, and their JSON twins under
 * /api/v1/admin. Uploads (floor plans, CSV files) are multipart, accepted only here: one
 * file of at most 1 MiB. Fields are attached to the body as key/values, so the CSRF
 * token travels as the form's hidden `_csrf` field like every other form.
 */
export async function staffRoutes(
  app: FastifyInstance,
  opts: { admin: AdminServices; bookings: BookingService; phones?: PhonesService },
) {
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_PLAN_BYTES, files: 1, fields: 20, parts: 25 },
  });
  // Upload limits become a message a person can act on; the app's handler renders it.
  app.setErrorHandler((error: FastifyError) => {
    if (error.code === 'FST_REQ_FILE_TOO_LARGE') throw invalidInput(msg('problem.upload.tooLarge'));
    if (
      error.code === 'FST_FILES_LIMIT' ||
      error.code === 'FST_PARTS_LIMIT' ||
      error.code === 'FST_FIELDS_LIMIT'
    )
      throw invalidInput(msg('problem.upload.oneFile'));
    throw error;
  });

  const { sites, clusters, desks, deskPlan, people, audit, floorDay, personHistory } = opts.admin;

  // The facilities home: counts, and each EM cluster's node health with a node that is down as
  // an alert at the top (the same figures as the Phones page, for every cluster at once).
  app.get('/staff', staff, async (_request, reply) => {
    const emHealth = (await opts.phones?.clusterHealth()) ?? [];
    const alerts = emHealth.flatMap((c) =>
      c.nodes
        .filter((n) => !n.up)
        .map((n) => ({ cluster: c.name, node: n.index, url: n.url, since: n.since, zone: c.zone })),
    );
    // Logins waiting for EM longer than a passing fault: the employees are told facilities know.
    const lastingWaits = emHealth
      .filter((c) => c.waiting.lasting)
      .map((c) => ({ cluster: c.name, count: c.waiting.count, since: c.waiting.since, zone: c.zone }));
    const needPerson = emHealth
      .filter((c) => c.needPerson > 0)
      .map((c) => ({ cluster: c.name, count: c.needPerson }));
    return reply.render('staff/index.eta', {
      ...(await opts.admin.counts()),
      emHealth,
      alerts,
      lastingWaits,
      needPerson,
    });
  });

  await app.register(sitesRoutes, { sites, clusters });
  await app.register(floorsRoutes, { sites, desks });
  await app.register(deskPlanRoutes, { deskPlan });
  await app.register(peopleRoutes, { people, sites, audit, personHistory });
  await app.register(auditRoutes, { audit });
  await app.register(floorDayRoutes, { floorDay, bookings: opts.bookings });

  // JSON, read-only: for scripts and integrations. Changes go through the pages (audited the same way).
  const tags = ['admin'];
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/admin/sites',
    { ...staff, schema: { tags, summary: 'Sites with zone and EM cluster' } },
    async () =>
      (await sites.listSites()).map((s) => ({
        id: s.id,
        name: s.name,
        timeZone: s.timeZone,
        address: s.address,
        emCluster: s.emCluster,
        floors: s._count.floors,
      })),
  );

  typed.get(
    '/api/v1/admin/floors/:id',
    { ...staff, schema: { tags, summary: 'A floor and its desks with their phones', params: IdParams } },
    async (request) => {
      const floor = await sites.getFloor(parseId(request.params.id, 'floor'));
      return {
        id: floor.id,
        name: floor.name,
        level: floor.level,
        site: { id: floor.site.id, name: floor.site.name, timeZone: floor.site.timeZone },
        planWidth: floor.planWidth,
        planHeight: floor.planHeight,
        hasPlan: floor.planSvg !== null,
        // The API's view of each desk; all of them are on this floor.
        desks: floor.desks.map((d) => {
          const { floorId: _thisFloor, ...desk } = deskJson(d);
          return desk;
        }),
      };
    },
  );

  typed.get(
    '/api/v1/admin/audit',
    {
      ...staff,
      schema: {
        tags,
        summary: 'Audit trail, newest first; filters as on /staff/audit (dates in UTC)',
        querystring: AuditFilterQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const result = await audit.search({
        actor: q.actor,
        action: q.action,
        subjectType: q.subjectType,
        subjectId: q.subjectId,
        from: q.from,
        to: q.to,
        page: pageOf(q.page),
      });
      return {
        total: result.total,
        page: result.page,
        pages: result.pages,
        events: result.events.map((e) => ({
          id: e.id,
          at: e.at.toISOString(),
          actor: e.actorLabel,
          action: e.action,
          subjectType: e.subjectType,
          subjectId: e.subjectId,
          details: e.details,
        })),
      };
    },
  );

  app.get(
    '/api/v1/admin/em-clusters',
    { ...adminOnly, schema: { tags, summary: 'EM clusters (admins)' } },
    async () => (await clusters.list()).map((c) => ({ ...clusterJson(c), sites: c._count.sites })),
  );
}
