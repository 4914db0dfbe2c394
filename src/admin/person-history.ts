import type { AdminDeps } from './admin-deps.js';

export const HISTORY_PAGE_SIZE = 20;

/**
 * A person's bookings for their staff page, past and future together, the latest start first,
 * paged; each with its desk, floor and site zone so the page shows its times where it happens.
 */
export function createPersonHistory({ prisma }: Pick<AdminDeps, 'prisma'>) {
  return {
    async bookings(userId: number, pageRaw = 1) {
      const where = { userId };
      const total = await prisma.reservation.count({ where });
      const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));
      const page = Math.max(1, Math.min(pageRaw, pages));
      const rows = await prisma.reservation.findMany({
        where,
        orderBy: [{ startsAt: 'desc' }, { id: 'desc' }],
        skip: (page - 1) * HISTORY_PAGE_SIZE,
        take: HISTORY_PAGE_SIZE,
        select: {
          id: true,
          startsAt: true,
          endsAt: true,
          status: true,
          desk: {
            select: {
              label: true,
              floor: { select: { id: true, name: true, site: { select: { name: true, timeZone: true } } } },
            },
          },
        },
      });
      return { total, page, pages, rows };
    },
  };
}

export type PersonHistory = ReturnType<typeof createPersonHistory>;
