import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { minutesToHhmm, POLICY_FIELDS, type SitesService } from '../../../admin/sites-service.js';
import { asInput, resourceRoutes } from './admin-api-helpers.js';

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
  const site = resourceRoutes(app, { base: '/api/v1/admin/sites', access: 'staff', tags });
  const show = async (id: number) => siteJson(await sites.getSite(id));

  site.read('A site with its EM cluster', show);

  site.create({ summary: 'Create a site (with the default booking policy)' }, SiteBody, async (actor, body) =>
    show((await sites.createSite(actor, asInput(body))).id),
  );

  site.remove('Delete a site that has no floors (409 while it has some)', sites.deleteSite);

  site.update({ summary: 'Change a site; fields left out keep their values' }, SitePatch, {
    current: async (id) => {
      const current = await sites.getSite(id);
      const { name, timeZone, address } = current;
      return { name, timeZone, address, emClusterId: current.emClusterId ?? '' };
    },
    save: async (actor, id, input) => {
      await sites.updateSite(actor, id, input);
      return show(id);
    },
  });

  const policyOf = async (id: number) => {
    const { site, policy } = await sites.getPolicy(id);
    return policyJson(site.id, policy);
  };
  site.read("A site's booking policy", policyOf, '/:id/policy');

  site.update(
    { summary: "Change a site's booking policy; fields left out keep their values" },
    PolicyPatch,
    {
      current: policyOf,
      // The service reads the policy form: working hours as HH:MM, an empty no-show field = never.
      save: async (actor, id, merged) => {
        const input = {
          ...merged,
          workdayStart: minutesToHhmm(Number(merged.workdayStartMinute)),
          workdayEnd: minutesToHhmm(Number(merged.workdayEndMinute)),
          releaseNoShowAfterMinutes: merged.releaseNoShowAfterMinutes ?? '',
        };
        return policyJson(id, await sites.updatePolicy(actor, id, input));
      },
    },
    '/:id/policy',
  );
}
