import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { notFound, RoostError } from '../errors.js';
import { MAX_RANGE_DAYS, type OccupancyInsight, type ScopeSite } from '../insight/occupancy.js';
import { metricDefinitions, reportCharts, reportTables, tablesToCsv } from '../insight/report-tables.js';
import { statusFor } from './errors.js';

/**
 * Occupancy insight for facilities (issue 8): the dashboard and the same tables as CSV.
 * The range pickers are a GET form, so a view can be bookmarked and shared. Ids arrive
 * as strings because an empty select ("All floors") sends "".
 */
const OptionalIdText = Type.Optional(Type.String({ pattern: '^[0-9]{0,9}$' }));
// Dates are checked by the insight module, which says what is wrong in words.
const DateText = Type.Optional(Type.String({ maxLength: 30 }));
const InsightQuery = Type.Object(
  { siteId: OptionalIdText, floorId: OptionalIdText, from: DateText, to: DateText },
  { additionalProperties: false },
);
type InsightQuery = Static<typeof InsightQuery>;

const idOrUndefined = (text: string | undefined) => (text ? Number(text) : undefined);

interface Selection {
  sites: ScopeSite[];
  site: ScopeSite;
  floorId: number | undefined;
  from: string;
  to: string;
}

/** The site, floor and range asked for, with the defaults filled in. */
async function select(insight: OccupancyInsight, query: InsightQuery): Promise<Selection | null> {
  const sites = await insight.scopes();
  const siteId = idOrUndefined(query.siteId);
  const site = siteId === undefined ? sites[0] : sites.find((s) => s.id === siteId);
  if (!site) {
    if (siteId === undefined) return null;
    throw notFound('site', siteId);
  }
  const defaults = insight.defaultRange(site.timeZone);
  return {
    sites,
    site,
    floorId: idOrUndefined(query.floorId),
    from: query.from?.trim() || defaults.from,
    to: query.to?.trim() || defaults.to,
  };
}

const reportInput = (s: Selection) => ({ siteId: s.site.id, floorId: s.floorId, from: s.from, to: s.to });

function queryString(s: Selection): string {
  const params = new URLSearchParams({ siteId: String(s.site.id) });
  if (s.floorId !== undefined) params.set('floorId', String(s.floorId));
  params.set('from', s.from);
  params.set('to', s.to);
  return params.toString();
}

/** A file name with only safe characters: roost-occupancy-berlin-floor-1-2026-11-12-to-2027-01-07.csv */
function csvFileName(site: string, floor: string | undefined, from: string, to: string): string {
  const slug = (text: string) =>
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase() || 'site';
  return ['roost-occupancy', slug(site), ...(floor ? [slug(floor)] : []), from, 'to', to].join('-') + '.csv';
}

export async function insightRoutes(app: FastifyInstance, opts: { insight: OccupancyInsight }) {
  const { insight } = opts;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(
    '/staff/insight',
    { config: { access: 'staff' }, schema: { querystring: InsightQuery } },
    async (request, reply) => {
      const selection = await select(insight, request.query);
      if (!selection) return reply.render('insight/dashboard.eta', { noSites: true });
      const form = { ...selection, maxDays: MAX_RANGE_DAYS };
      try {
        const report = await insight.occupancyReport(reportInput(selection));
        return reply.render('insight/dashboard.eta', {
          form,
          report,
          tables: reportTables(report, request.lang),
          charts: reportCharts(report, request.lang),
          definitions: metricDefinitions(request.lang),
          csvUrl: `/staff/insight.csv?${queryString(selection)}`,
        });
      } catch (error) {
        // A wrong range or floor is the person's input: show the form again with the reason.
        if (!(error instanceof RoostError) || error.code !== 'INVALID_INPUT') throw error;
        reply.status(statusFor.INVALID_INPUT);
        return reply.render('insight/dashboard.eta', {
          form,
          error: { message: request.say(error.text), field: String(error.details.field ?? '') },
        });
      }
    },
  );

  api.get(
    '/staff/insight.csv',
    { config: { access: 'staff' }, schema: { querystring: InsightQuery } },
    async (request, reply) => {
      const selection = await select(insight, request.query);
      if (!selection) throw notFound('site');
      const report = await insight.occupancyReport(reportInput(selection));
      const name = csvFileName(report.site.name, report.floor?.name, report.from, report.to);
      return reply
        .header('content-type', 'text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(tablesToCsv(reportTables(report, request.lang), request.lang));
    },
  );
}
