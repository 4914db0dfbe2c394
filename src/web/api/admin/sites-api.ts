import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { minutesToHhmm, POLICY_FIELDS, type SitesService } from '../../../admin/sites-service.js';
import { apiActor, asInput, bodyLimit, IdParams, staff, type WithId } from './admin-api-helpers.js';

/** Sites and their booking policies (the Sites and Policies pages as JSON). */
const tags = ['admin'];

const SiteBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    timeZone: Type.String({ maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin' }),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    emClusterId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const SitePatch = Type.Partial(SiteBody, { additionalProperties: false });

const Minutes = (min: number, max: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, description });
const PolicyPatch = Type.Object(
  {
    maxDaysAhead: Type.Optional(Minutes(0, 366, 'Days ahead a booking may start')),
    maxBookingMinutes: Type.Optional(Minutes(15, 1440, 'Longest booking')),
    maxBookingsPerDay: Type.Optional(Minutes(1, 24, 'Bookings per person per day')),
    workdayStartMinute: Type.Optional(Minutes(0, 1440, 'Working hours start, minutes after local midnight')),
    workdayEndMinute: Type.Optional(Minutes(0, 1440, 'Working hours end, minutes after local midnight')),
    workingDays: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), {
        minItems: 1,
        maxItems: 7,
        uniqueItems: true,
        description: 'ISO weekdays, 1 = Monday',
      }),
    ),
    checkInOpensMinutesBefore: Type.Optional(Minutes(0, 240, 'Check-in opens before the start')),
    checkInClosesMinutesAfter: Type.Optional(Minutes(0, 240, 'Check-in closes after the start')),
    releaseNoShowAfterMinutes: Type.Optional(
      Type.Union([Minutes(5, 720, 'Release a no-show this long after the start'), Type.Null()]),
    ),
  },
  { additionalProperties: false },
);

type Site = Awaited<ReturnType<SitesService['getSite']>>;
const siteJson = (
  s: Omit<Site, 'policy' | 'emCluster'> & { emCluster?: { id: number; name: string } | null },
) => ({
  id: s.id,
  name: s.name,
  timeZone: s.timeZone,
  address: s.address,
  emClusterId: s.emClusterId,
  ...(s.emCluster !== undefined
    ? { emCluster: s.emCluster ? { id: s.emCluster.id, name: s.emCluster.name } : null }
    : {}),
});

type Policy = Awaited<ReturnType<SitesService['getPolicy']>>['policy'];
const policyJson = (siteId: number, p: Policy) => ({
  siteId,
  ...Object.fromEntries(POLICY_FIELDS.map((k) => [k, p[k]])),
});

export async function sitesApi(app: FastifyInstance, opts: { sites: SitesService }) {
  const { sites } = opts;

  app.get(
    '/api/v1/admin/sites/:id',
    { ...staff, schema: { tags, summary: 'A site with its EM cluster', params: IdParams } },
    async (request: WithId) => siteJson(await sites.getSite(request.params.id)),
  );

  app.post(
    '/api/v1/admin/sites',
    {
      ...staff,
      bodyLimit,
      schema: { tags, summary: 'Create a site (with the default booking policy)', body: SiteBody },
    },
    async (request: FastifyRequest<{ Body: Static<typeof SiteBody> }>, reply) => {
      const site = await sites.createSite(apiActor(request), asInput(request.body));
      reply.status(201).header('location', `/api/v1/admin/sites/${site.id}`);
      return siteJson(await sites.getSite(site.id));
    },
  );

  app.delete(
    '/api/v1/admin/sites/:id',
    {
      ...staff,
      schema: { tags, summary: 'Delete a site that has no floors (409 while it has some)', params: IdParams },
    },
    async (request: WithId, reply) => {
      await sites.deleteSite(apiActor(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.patch(
    '/api/v1/admin/sites/:id',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Change a site; fields left out keep their values',
        params: IdParams,
        body: SitePatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof SitePatch> }>) => {
      const current = await sites.getSite(request.params.id);
      const input = asInput(request.body, {
        name: current.name,
        timeZone: current.timeZone,
        address: current.address,
        emClusterId: current.emClusterId ?? '',
      });
      await sites.updateSite(apiActor(request), current.id, input);
      return siteJson(await sites.getSite(current.id));
    },
  );

  app.get(
    '/api/v1/admin/sites/:id/policy',
    { ...staff, schema: { tags, summary: "A site's booking policy", params: IdParams } },
    async (request: WithId) => {
      const { site, policy } = await sites.getPolicy(request.params.id);
      return policyJson(site.id, policy);
    },
  );

  app.patch(
    '/api/v1/admin/sites/:id/policy',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: "Change a site's booking policy; fields left out keep their values",
        params: IdParams,
        body: PolicyPatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof PolicyPatch> }>) => {
      const { site, policy } = await sites.getPolicy(request.params.id);
      const merged = { ...policyJson(site.id, policy), ...request.body } as Record<string, unknown>;
      // The service reads the policy form: working hours as HH:MM, an empty no-show field = never.
      const input = {
        ...merged,
        workdayStart: minutesToHhmm(Number(merged.workdayStartMinute)),
        workdayEnd: minutesToHhmm(Number(merged.workdayEndMinute)),
        releaseNoShowAfterMinutes: merged.releaseNoShowAfterMinutes ?? '',
      };
      const saved = await sites.updatePolicy(apiActor(request), site.id, input);
      return policyJson(site.id, saved);
    },
  );
}
