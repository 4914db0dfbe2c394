import type { Db } from '../db/database.js';
import { invalidFields, msg } from '../errors.js';
import { addDays, isValidTimeZone, startOfLocalDay } from '../time/zones.js';
import type { AdminDeps } from './admin-deps.js';

/** The audit page's filters: all optional, combined with AND. Dates are days in `timeZone`. */
export interface AuditFilter {
  actor?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  from?: string;
  to?: string;
  page?: number;
}

export const AUDIT_PAGE_SIZE = 50;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createAuditQuery({ prisma }: Pick<AdminDeps, 'prisma'>) {
  return {
    /** The zone the viewer reads times in: their home site's, else UTC. */
    async zoneOfSite(siteId: number | null | undefined): Promise<string> {
      const site = siteId ? await prisma.site.findUnique({ where: { id: siteId } }) : null;
      return site?.timeZone ?? 'UTC';
    },

    /** Newest first. `from`/`to` are inclusive local dates in `timeZone` (the viewer's site). */
    async search(filter: AuditFilter, timeZone = 'UTC') {
      const zone = isValidTimeZone(timeZone) ? timeZone : 'UTC';
      const where: Db.Prisma.AuditEventWhereInput = {};
      const text = (v: string | undefined) => (v ?? '').trim().slice(0, 200);
      const actor = text(filter.actor);
      if (actor) {
        where.OR = [
          { actorLabel: { contains: actor, mode: 'insensitive' } },
          { actor: { is: { displayName: { contains: actor, mode: 'insensitive' } } } },
        ];
      }
      const action = text(filter.action);
      if (action) where.action = { startsWith: action, mode: 'insensitive' };
      const subjectType = text(filter.subjectType);
      if (subjectType) where.subjectType = { equals: subjectType, mode: 'insensitive' };
      const subjectId = text(filter.subjectId);
      if (subjectId) where.subjectId = subjectId;
      const from = text(filter.from);
      const to = text(filter.to);
      for (const [field, value] of [
        ['from', from],
        ['to', to],
      ] as const) {
        if (value && (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))))
          throw invalidFields({
            [field]: msg(field === 'from' ? 'problem.audit.badFrom' : 'problem.audit.badTo', { value }),
          });
      }
      if (from || to) {
        where.at = {
          ...(from ? { gte: startOfLocalDay(zone, from) } : {}),
          ...(to ? { lt: startOfLocalDay(zone, addDays(to, 1)) } : {}),
        };
      }
      const page = Math.max(1, Math.min(filter.page ?? 1, 100_000));
      const [total, events] = await Promise.all([
        prisma.auditEvent.count({ where }),
        prisma.auditEvent.findMany({
          where,
          orderBy: [{ at: 'desc' }, { id: 'desc' }],
          skip: (page - 1) * AUDIT_PAGE_SIZE,
          take: AUDIT_PAGE_SIZE,
          include: { actor: { select: { email: true, displayName: true } } },
        }),
      ]);
      const [actions, subjectTypes] = await Promise.all([
        prisma.auditEvent.findMany({
          distinct: ['action'],
          select: { action: true },
          orderBy: { action: 'asc' },
        }),
        prisma.auditEvent.findMany({
          distinct: ['subjectType'],
          select: { subjectType: true },
          orderBy: { subjectType: 'asc' },
        }),
      ]);
      return {
        total,
        page,
        pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
        events,
        zone,
        actions: actions.map((a) => a.action),
        subjectTypes: subjectTypes.map((s) => s.subjectType),
      };
    },
  };
}

export type AuditQuery = ReturnType<typeof createAuditQuery>;
