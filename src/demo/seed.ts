import { hashPassword } from '../auth/passwords.js';
import { DEMO_PASSWORD, demoSites, demoUsers, seededRandom } from './company.js';
import { schedulePhoneActionsMany } from '../scheduler/jobs.js';
import type { Clock } from '../time/clock.js';
import { addDays, isoWeekday, localDate, wallTimeToInstant } from '../time/zones.js';
import type { PrismaClient } from '../db/database.js';

export interface SeedOptions {
  clock: Clock;
  /** The default EM cluster, from the configuration. */
  emCluster: {
    serviceUrl: string;
    appUser: string;
    secretRef: string;
    maxConcurrentRequests: number;
    apiProfile: string;
  };
  /** Create the demo accounts (public password). Only for the embedded demo unless asked. */
  withUsers: boolean;
}

export interface SeedResult {
  seeded: boolean;
  sites: number;
  desks: number;
  users: number;
  reservations: number;
}

/**
 * Writes the demo company into an empty database. Does nothing when any site exists,
 * so a restart never duplicates or overwrites real data.
 */
export async function seedDemo(prisma: PrismaClient, options: SeedOptions): Promise<SeedResult> {
  if ((await prisma.site.count()) > 0)
    return { seeded: false, sites: 0, desks: 0, users: 0, reservations: 0 };
  const now = options.clock.now();
  const cluster = await prisma.emCluster.upsert({
    where: { name: 'default' },
    create: {
      name: 'default',
      ...options.emCluster,
      concurrencyBudget: Math.max(1, options.emCluster.maxConcurrentRequests - 1),
    },
    update: {},
  });

  const siteIds = new Map<string, number>();
  const desksBySite = new Map<string, { id: number; phoneId: number }[]>();
  let deskCount = 0;
  for (const site of demoSites) {
    const row = await prisma.site.create({
      data: {
        name: site.name,
        timeZone: site.timeZone,
        address: site.address,
        emClusterId: cluster.id,
        policy: { create: { releaseNoShowAfterMinutes: 60 } },
      },
    });
    siteIds.set(site.name, row.id);
    const siteDesks: { id: number; phoneId: number }[] = [];
    for (const f of site.floors) {
      const floor = await prisma.floor.create({
        data: { siteId: row.id, name: f.name, level: f.level, planWidth: 760, planHeight: 600 },
      });
      await prisma.desk.createMany({
        data: f.desks.map((d) => ({
          floorId: floor.id,
          label: d.label,
          features: d.features,
          posX: d.posX,
          posY: d.posY,
        })),
      });
      const desks = await prisma.desk.findMany({ where: { floorId: floor.id }, orderBy: { id: 'asc' } });
      const byLabel = new Map(desks.map((d) => [d.label, d.id]));
      await prisma.phone.createMany({
        data: f.desks.map((d) => ({
          deviceName: d.deviceName,
          model: d.phoneModel,
          deskId: byLabel.get(d.label)!,
        })),
      });
      const phones = await prisma.phone.findMany({ where: { deskId: { in: desks.map((d) => d.id) } } });
      siteDesks.push(...phones.map((p) => ({ id: p.deskId!, phoneId: p.id })));
      deskCount += desks.length;
    }
    desksBySite.set(site.name, siteDesks);
  }

  if (!options.withUsers) {
    return { seeded: true, sites: demoSites.length, desks: deskCount, users: 0, reservations: 0 };
  }

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await prisma.user.createMany({
    data: demoUsers.map((u) => ({
      email: u.email,
      displayName: u.displayName,
      role: u.role,
      emUserId: u.emUserId,
      deviceProfile: u.deviceProfile,
      passwordHash,
      homeSiteId: siteIds.get(u.homeSite)!,
      department: u.team ?? null,
    })),
  });
  const users = await prisma.user.findMany({ select: { id: true, email: true, homeSiteId: true } });
  const userIdByEmail = new Map(users.map((u) => [u.email, u.id]));
  for (const name of new Set(demoUsers.flatMap((u) => (u.team ? [u.team] : [])))) {
    const team = await prisma.team.create({ data: { name } });
    await prisma.teamMember.createMany({
      data: demoUsers
        .filter((u) => u.team === name)
        .map((u) => ({ teamId: team.id, userId: userIdByEmail.get(u.email)! })),
    });
  }

  // Bookings over the last four and the next two weeks: about a third of the staff
  // in on any working day, mostly 08:00-10:00 starts for eight or nine hours.
  const random = seededRandom(20261129);
  type Row = {
    deskId: number;
    userId: number;
    startsAt: Date;
    endsAt: Date;
    status: 'BOOKED' | 'COMPLETED' | 'NO_SHOW' | 'RELEASED';
    createdById: number;
    phoneId: number;
  };
  const rows: Row[] = [];
  for (const site of demoSites) {
    const siteId = siteIds.get(site.name)!;
    const desks = desksBySite.get(site.name)!;
    const staff = users.filter((u) => u.homeSiteId === siteId);
    const today = localDate(site.timeZone, now);
    for (let offset = -28; offset <= 14; offset++) {
      const date = addDays(today, offset);
      if (isoWeekday(date) > 5) continue;
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const taken = new Set<number>();
      for (const user of staff) {
        const isAda = user.email === 'ada@roost.example';
        // Ada always has tomorrow's and next Tuesday's desk, so the demo shows bookings.
        const wants = isAda
          ? offset === 1 || (offset > 1 && offset <= 8 && isoWeekday(date) === 2)
          : random() < 0.35;
        if (!wants) continue;
        let desk = desks[Math.floor(random() * desks.length)]!;
        while (taken.has(desk.id)) desk = desks[(desks.indexOf(desk) + 1) % desks.length]!;
        taken.add(desk.id);
        const startHour = 8 + Math.floor(random() * 3);
        const startsAt = wallTimeToInstant(site.timeZone, {
          year: y,
          month: m,
          day: d,
          hour: startHour,
          minute: 0,
        });
        const endsAt = wallTimeToInstant(site.timeZone, {
          year: y,
          month: m,
          day: d,
          hour: startHour + 8,
          minute: 30,
        });
        const past = endsAt <= now;
        const roll = random();
        const status = !past ? 'BOOKED' : roll < 0.08 ? 'NO_SHOW' : roll < 0.15 ? 'RELEASED' : 'COMPLETED';
        rows.push({
          deskId: desk.id,
          userId: user.id,
          startsAt,
          endsAt,
          status,
          createdById: user.id,
          phoneId: desk.phoneId,
        });
      }
    }
  }
  const created = await prisma.reservation.createManyAndReturn({
    data: rows.map(({ phoneId: _phoneId, ...r }) => r),
    select: { id: true, deskId: true, startsAt: true, endsAt: true, status: true },
  });
  const phoneByDesk = new Map(rows.map((r) => [r.deskId, r.phoneId]));
  await schedulePhoneActionsMany(
    prisma,
    created.filter((r) => r.status === 'BOOKED').map((r) => ({ ...r, phoneId: phoneByDesk.get(r.deskId)! })),
  );
  return {
    seeded: true,
    sites: demoSites.length,
    desks: deskCount,
    users: users.length,
    reservations: created.length,
  };
}
