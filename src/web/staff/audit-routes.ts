import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditFilter, AuditQuery } from '../../admin/audit-query.js';
import { parseDateInput } from '../../i18n/form-input.js';
import { formattersFor } from '../i18n-plugin.js';
import { auditRow } from './audit-sentences.js';
import { noErrors, pageOf, queryString, rerender, staff } from './staff-helpers.js';
import { AuditFilterQuery } from '../route-schemas.js';

/** The audit trail, filtered; dates and times in the viewer's home site zone (else UTC). */
export async function auditRoutes(app: FastifyInstance, opts: { audit: AuditQuery }) {
  const { audit } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    '/staff/audit',
    { ...staff, schema: { querystring: AuditFilterQuery } },
    async (request, reply) => {
      const q = request.query;
      const filter: AuditFilter = {
        actor: q.actor,
        action: q.action,
        subjectType: q.subjectType,
        subjectId: q.subjectId,
        // Typed as the page's language writes dates (2.12.2026) or ISO; the query reads ISO.
        from: parseDateInput(q.from) ?? q.from,
        to: parseDateInput(q.to) ?? q.to,
        page: pageOf(q.page),
      };
      const values = { ...filter, page: undefined };
      const zone = await audit.zoneOfSite(request.user?.homeSiteId);
      try {
        const result = await audit.search(filter, zone);
        const fmt = formattersFor(request.lang);
        const t = request.t.bind(request);
        return reply.render('staff/audit.eta', {
          ...result,
          values,
          errors: noErrors,
          rows: result.events.map((e) => auditRow(e, t, fmt, result.zone)),
          prevUrl:
            result.page > 1 ? `/staff/audit${queryString({ ...values, page: result.page - 1 })}` : null,
          nextUrl:
            result.page < result.pages
              ? `/staff/audit${queryString({ ...values, page: result.page + 1 })}`
              : null,
        });
      } catch (error) {
        return rerender(error, reply, 'staff/audit.eta', () => ({
          values,
          zone,
          rows: [],
          total: 0,
          page: 1,
          pages: 1,
          actions: [],
          subjectTypes: [],
          prevUrl: null,
          nextUrl: null,
        }));
      }
    },
  );
}
