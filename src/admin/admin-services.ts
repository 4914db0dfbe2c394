import type { AdminDeps } from './admin-deps.js';
import { createAuditQuery } from './audit-query.js';
import { createDeskPlanService } from './desk-plan-service.js';
import { createDesksService } from './desks-service.js';
import { createEmClustersService } from './em-clusters-service.js';
import { createFloorDayService } from './floor-day-service.js';
import { createPeopleService } from './people-service.js';
import { createPersonHistory } from './person-history.js';
import { createSitesService } from './sites-service.js';

/** The staff and admin services, built once in app.ts and handed to the staff routes. */
export function createAdminServices(deps: AdminDeps) {
  const { prisma } = deps;
  return {
    sites: createSitesService(deps),
    clusters: createEmClustersService(deps),
    desks: createDesksService(deps),
    deskPlan: createDeskPlanService(deps),
    people: createPeopleService(deps),
    audit: createAuditQuery(deps),
    floorDay: createFloorDayService(deps),
    personHistory: createPersonHistory(deps),
    /** What the staff home page counts. */
    async counts() {
      const [siteCount, floorCount, deskCount, personCount] = await Promise.all([
        prisma.site.count(),
        prisma.floor.count(),
        prisma.desk.count(),
        prisma.user.count(),
      ]);
      return { siteCount, floorCount, deskCount, personCount };
    },
  };
}

export type AdminServices = ReturnType<typeof createAdminServices>;
