import type { Db } from '../db/database.js';
import { invalidFields, msg } from '../errors.js';
import { addDays, isValidTimeZone, startOfLocalDay } from '../time/zones.js';
import type { AdminDeps } from './admin-deps.js';
import { onePage } from './paging.js';
import { auditChanges, idsInDetails, type AuditLookups } from './audit-changes.js';

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
const NEWEST_FIRST = [
  { at: 'desc' },
  { id: 'desc' },
] satisfies Db.Prisma.AuditEventOrderByWithRelationInput[];
/** Who did it, by name, beside each event. */
const WITH_ACTOR = { actor: { select: { email: true, displayName: true } } } as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createAuditQuery({ prisma }: Pick<AdminDeps, 'prisma'>) {
  /** Names of the desks, people, sites and floors a page of events refers to, and booking zones. */
  async function namesFor(events: { subjectType: string; subjectId: string; details: unknown }[]) {
    const ids = {
      deskLabels: new Set<number>(),
      userNames: new Set<number>(),
      siteNames: new Set<number>(),
      floorNames: new Set<number>(),
    };
    for (const e of events)
      for (const [kind, list] of Object.entries(idsInDetails(e.details)))
        for (const id of list) ids[kind as keyof AuditLookups].add(id);
    const bookingIds = events
      .filter((e) => e.subjectType === 'Reservation' && /^\d+$/.test(e.subjectId))
      .map((e) => Number(e.subjectId));
    const [desks, users, sites, floors, bookings] = await Promise.all([
      prisma.desk.findMany({ where: { id: { in: [...ids.deskLabels] } }, select: { id: true, label: true } }),
      prisma.user.findMany({
        where: { id: { in: [...ids.userNames] } },
        select: { id: true, displayName: true },
      }),
      prisma.site.findMany({ where: { id: { in: [...ids.siteNames] } }, select: { id: true, name: true } }),
      prisma.floor.findMany({ where: { id: { in: [...ids.floorNames] } }, select: { id: true, name: true } }),
      prisma.reservation.findMany({
        where: { id: { in: bookingIds } },
        select: {
          id: true,
          desk: { select: { floor: { select: { site: { select: { timeZone: true } } } } } },
        },
      }),
    ]);
    const lookups: AuditLookups = {
      deskLabels: new Map(desks.map((d) => [d.id, d.label])),
      userNames: new Map(users.map((u) => [u.id, u.displayName])),
      siteNames: new Map(sites.map((x) => [x.id, x.name])),
      floorNames: new Map(floors.map((f) => [f.id, f.name])),
    };
    const bookingZones = new Map(bookings.map((b) => [String(b.id), b.desk.floor.site.timeZone]));
    return { lookups, bookingZones };
  }

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
      const { rows: events, ...paged } = await onePage(
        filter.page,
        AUDIT_PAGE_SIZE,
        prisma.auditEvent.count({ where }),
        (window) =>
          prisma.auditEvent.findMany({ where, orderBy: NEWEST_FIRST, include: WITH_ACTOR, ...window }),
      );
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
      const named = await namesFor(events);
      return {
        ...paged,
        // Each event's changes in words to come, its times in its booking's site zone.
        events: events.map((e) => ({
          ...e,
          ...auditChanges(e.details, named.lookups),
          zone: (e.subjectType === 'Reservation' && named.bookingZones.get(e.subjectId)) || zone,
        })),
        zone,
        actions: actions.map((a) => a.action),
        subjectTypes: subjectTypes.map((s) => s.subjectType),
      };
    },
  };
}

export type AuditQuery = ReturnType<typeof createAuditQuery>;
