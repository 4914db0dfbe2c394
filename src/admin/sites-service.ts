import { createHash } from 'node:crypto';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import { inUse, invalidFields, invalidInput, msg } from '../errors.js';
import { isOccupantPrivacy, OCCUPANT_PRIVACY } from '../booking/occupant-privacy.js';
import { isLanguage, LANGUAGES } from '../i18n/languages.js';
import { isUniqueViolation, requireFound, TX_OPTIONS, type AdminDeps } from './admin-deps.js';
import { checkFloorPlan } from './floor-plan.js';
import { changes, Fields, type Input } from './validation.js';

/** Sites (zone, EM cluster), their booking policy, and floors with their plans. */
export type SitesService = ReturnType<typeof createSitesService>;

const siteSnapshot = (s: {
  name: string;
  timeZone: string;
  address: string;
  emClusterId: number | null;
  defaultLanguage?: string;
  occupantPrivacy?: string;
}) => ({
  name: s.name,
  timeZone: s.timeZone,
  address: s.address,
  emClusterId: s.emClusterId,
  ...(s.defaultLanguage === undefined ? {} : { defaultLanguage: s.defaultLanguage }),
  ...(s.occupantPrivacy === undefined ? {} : { occupantPrivacy: s.occupantPrivacy }),
});

const floorSnapshot = (f: {
  name: string;
  level: number;
  siteId: number;
  planWidth: number;
  planHeight: number;
  planSvg: string | null;
}) => ({
  name: f.name,
  level: f.level,
  siteId: f.siteId,
  planWidth: f.planWidth,
  planHeight: f.planHeight,
  // The plan itself can be 1 MiB: the trail keeps its size and fingerprint.
  plan: f.planSvg
    ? `${Buffer.byteLength(f.planSvg)} bytes, sha256 ${createHash('sha256').update(f.planSvg).digest('hex').slice(0, 16)}`
    : null,
});

export const POLICY_FIELDS = [
  'maxDaysAhead',
  'maxBookingMinutes',
  'maxBookingsPerDay',
  'workdayStartMinute',
  'workdayEndMinute',
  'workingDays',
  'checkInOpensMinutesBefore',
  'checkInClosesMinutesAfter',
  'releaseNoShowAfterMinutes',
] as const;

/** "07:00" <-> 420 minutes after local midnight. */
export const minutesToHhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function createSitesService({ prisma, clock }: AdminDeps) {
  async function siteFields(input: Input) {
    const f = new Fields(input);
    const name = f.text('name', 'problem.label.name', { required: true, max: 100 });
    const timeZone = f.timeZone('timeZone', 'problem.label.timeZone');
    const address = f.text('address', 'problem.label.address', { max: 300 });
    const clusterRaw = f.raw('emClusterId');
    let emClusterId: number | null = null;
    if (clusterRaw !== '') {
      const cluster = /^\d+$/.test(clusterRaw)
        ? await prisma.emCluster.findUnique({ where: { id: Number(clusterRaw) } })
        : null;
      if (!cluster) f.fail('emClusterId', 'problem.label.emCluster', msg('problem.sites.listedCluster'));
      else emClusterId = cluster.id;
    }
    // The language of the site's phones until a person is identified, and of emails and
    // calendar texts for people who chose none. Left out (the API, older forms): unchanged.
    const languageRaw = f.raw('defaultLanguage');
    if (languageRaw !== '' && !isLanguage(languageRaw))
      f.fail(
        'defaultLanguage',
        'problem.label.defaultLanguage',
        msg('problem.fields.oneOf', { allowed: LANGUAGES.join(', ') }),
      );
    // Who sees the names at taken desks (booking/occupant-privacy.ts). Left out: unchanged.
    const privacyRaw = f.raw('occupantPrivacy');
    if (privacyRaw !== '' && !isOccupantPrivacy(privacyRaw))
      f.fail(
        'occupantPrivacy',
        'problem.label.occupantPrivacy',
        msg('problem.fields.oneOf', { allowed: OCCUPANT_PRIVACY.join(', ') }),
      );
    f.done();
    return {
      name,
      timeZone,
      address,
      emClusterId,
      ...(isLanguage(languageRaw) ? { defaultLanguage: languageRaw } : {}),
      ...(isOccupantPrivacy(privacyRaw) ? { occupantPrivacy: privacyRaw } : {}),
    };
  }

  const duplicateSite = (name: string) =>
    invalidFields({ name: msg('problem.sites.duplicateSite', { name }) });

  const duplicateFloor = (name: string) =>
    invalidFields({ name: msg('problem.sites.duplicateFloor', { name }) });

  return {
    listSites() {
      return prisma.site.findMany({
        orderBy: { name: 'asc' },
        include: { emCluster: { select: { id: true, name: true } }, _count: { select: { floors: true } } },
      });
    },

    async getSite(id: number) {
      return requireFound(
        await prisma.site.findUnique({ where: { id }, include: { policy: true, emCluster: true } }),
        'site',
      );
    },

    async createSite(actor: Actor, input: Input) {
      const data = await siteFields(input);
      try {
        return await prisma.$transaction(async (tx) => {
          if (await tx.site.findUnique({ where: { name: data.name } })) throw duplicateSite(data.name);
          const site = await tx.site.create({ data: { ...data, policy: { create: {} } } });
          await recordAudit(
            tx,
            actor,
            {
              action: 'site.create',
              subjectType: 'site',
              subjectId: site.id,
              details: { before: null, after: siteSnapshot(site) },
            },
            clock.now(),
          );
          return site;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateSite(data.name);
        throw error;
      }
    },

    async updateSite(actor: Actor, id: number, input: Input) {
      const data = await siteFields(input);
      try {
        return await prisma.$transaction(async (tx) => {
          const before = requireFound(await tx.site.findUnique({ where: { id } }), 'site');
          const clash = await tx.site.findUnique({ where: { name: data.name } });
          if (clash && clash.id !== id) throw duplicateSite(data.name);
          const site = await tx.site.update({ where: { id }, data });
          await recordAudit(
            tx,
            actor,
            {
              action: 'site.update',
              subjectType: 'site',
              subjectId: id,
              details: changes(siteSnapshot(before), siteSnapshot(site)),
            },
            clock.now(),
          );
          return site;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateSite(data.name);
        throw error;
      }
    },

    async getPolicy(siteId: number) {
      const site = requireFound(
        await prisma.site.findUnique({ where: { id: siteId }, include: { policy: true } }),
        'site',
      );
      return { site, policy: site.policy ?? (await prisma.bookingPolicy.create({ data: { siteId } })) };
    },

    async updatePolicy(actor: Actor, siteId: number, input: Input) {
      const f = new Fields(input);
      const hhmm = (field: string, label: string) => {
        const value = f.raw(field);
        const m = /^(\d{1,2}):(\d{2})$/.exec(value);
        if (!m || +m[1]! > 24 || +m[2]! > 59 || +m[1]! * 60 + +m[2]! > 1440) {
          f.fail(field, label, msg('problem.sites.timeOfDay'));
          return 0;
        }
        return +m[1]! * 60 + +m[2]!;
      };
      const rawDays = input.workingDays;
      const dayList = (Array.isArray(rawDays) ? rawDays : rawDays === undefined ? [] : [rawDays]).map(String);
      const workingDays = [...new Set(dayList.filter((d) => /^[1-7]$/.test(d)).map(Number))].sort();
      if (workingDays.length === 0 || workingDays.length !== new Set(dayList).size)
        f.fail('workingDays', 'problem.label.workingDays', msg('problem.sites.oneWeekday'));
      const data = {
        maxDaysAhead: f.integer('maxDaysAhead', 'problem.label.bookAtMostThisManyDaysAhead', {
          min: 0,
          max: 366,
        }),
        maxBookingMinutes: f.integer('maxBookingMinutes', 'problem.label.longestBookingMinutes', {
          min: 15,
          max: 1440,
        }),
        maxBookingsPerDay: f.integer('maxBookingsPerDay', 'problem.label.bookingsPerPersonPerDay', {
          min: 1,
          max: 24,
        }),
        workdayStartMinute: hhmm('workdayStart', 'problem.label.workingHoursStart'),
        workdayEndMinute: hhmm('workdayEnd', 'problem.label.workingHoursEnd'),
        workingDays,
        checkInOpensMinutesBefore: f.integer(
          'checkInOpensMinutesBefore',
          'problem.label.checkInOpensMinutesBefore',
          {
            min: 0,
            max: 240,
          },
        ),
        checkInClosesMinutesAfter: f.integer(
          'checkInClosesMinutesAfter',
          'problem.label.checkInClosesMinutesAfter',
          {
            min: 0,
            max: 240,
          },
        ),
        releaseNoShowAfterMinutes: f.integer(
          'releaseNoShowAfterMinutes',
          'problem.label.releaseANoShowAfterMinutes',
          {
            min: 5,
            max: 720,
            optional: true,
          },
        ),
      };
      if (!f.errors.workdayEnd && data.workdayEndMinute <= data.workdayStartMinute)
        f.fail('workdayEnd', 'problem.label.workingHoursEnd', msg('problem.fields.afterStart'));
      f.done();
      return prisma.$transaction(async (tx) => {
        requireFound(await tx.site.findUnique({ where: { id: siteId } }), 'site');
        const before = await tx.bookingPolicy.findUnique({ where: { siteId } });
        const policy = await tx.bookingPolicy.upsert({
          where: { siteId },
          create: { siteId, ...data },
          update: data,
        });
        const pick = (p: typeof policy | null) =>
          p
            ? Object.fromEntries(POLICY_FIELDS.map((k) => [k, p[k]]))
            : Object.fromEntries(POLICY_FIELDS.map((k) => [k, null]));
        await recordAudit(
          tx,
          actor,
          {
            action: 'policy.update',
            subjectType: 'site',
            subjectId: siteId,
            details: changes(pick(before), pick(policy)),
          },
          clock.now(),
        );
        return policy;
      }, TX_OPTIONS);
    },

    listFloors() {
      return prisma.floor.findMany({
        orderBy: [{ site: { name: 'asc' } }, { level: 'asc' }, { name: 'asc' }],
        select: {
          id: true,
          name: true,
          level: true,
          planSvg: false,
          site: { select: { id: true, name: true, timeZone: true } },
          _count: { select: { desks: true } },
        },
      });
    },

    async getFloor(id: number) {
      return requireFound(
        await prisma.floor.findUnique({
          where: { id },
          include: {
            site: true,
            desks: { orderBy: { label: 'asc' }, include: { phone: true } },
          },
        }),
        'floor',
      );
    },

    async createFloor(actor: Actor, input: Input) {
      const f = new Fields(input);
      const siteId = f.integer('siteId', 'problem.label.site', { min: 1, max: 999_999_999 });
      const name = f.text('name', 'problem.label.name', { required: true, max: 100 });
      const level = f.integer('level', 'problem.label.level', { min: -20, max: 300 });
      f.done();
      try {
        return await prisma.$transaction(async (tx) => {
          if (!(await tx.site.findUnique({ where: { id: siteId } })))
            throw invalidInput(msg('problem.sites.chooseListedSite'), {
              fields: { siteId: msg('problem.sites.listedSiteField') },
            }).about('siteId');
          if (await tx.floor.findUnique({ where: { siteId_name: { siteId, name } } }))
            throw duplicateFloor(name);
          const floor = await tx.floor.create({ data: { siteId, name, level } });
          await recordAudit(
            tx,
            actor,
            {
              action: 'floor.create',
              subjectType: 'floor',
              subjectId: floor.id,
              details: { before: null, after: floorSnapshot(floor) },
            },
            clock.now(),
          );
          return floor;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateFloor(name);
        throw error;
      }
    },

    async updateFloor(actor: Actor, id: number, input: Input) {
      const f = new Fields(input);
      const name = f.text('name', 'problem.label.name', { required: true, max: 100 });
      const level = f.integer('level', 'problem.label.level', { min: -20, max: 300 });
      const planWidth = f.integer('planWidth', 'problem.label.planWidth', { min: 10, max: 100_000 });
      const planHeight = f.integer('planHeight', 'problem.label.planHeight', { min: 10, max: 100_000 });
      f.done();
      try {
        return await prisma.$transaction(async (tx) => {
          const before = requireFound(await tx.floor.findUnique({ where: { id } }), 'floor');
          const clash = await tx.floor.findUnique({
            where: { siteId_name: { siteId: before.siteId, name } },
          });
          if (clash && clash.id !== id) throw duplicateFloor(name);
          const floor = await tx.floor.update({
            where: { id },
            data: { name, level, planWidth, planHeight },
          });
          await recordAudit(
            tx,
            actor,
            {
              action: 'floor.update',
              subjectType: 'floor',
              subjectId: id,
              details: changes(floorSnapshot(before), floorSnapshot(floor)),
            },
            clock.now(),
          );
          return floor;
        }, TX_OPTIONS);
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateFloor(name);
        throw error;
      }
    },

    /**
     * Deletes a site that holds no floors (its booking policy goes with it; people whose home it
     * was keep their accounts without a home site). A site with floors answers IN_USE: deleting
     * it would take desks, phones and the booking history along.
     */
    async deleteSite(actor: Actor, id: number) {
      return prisma.$transaction(async (tx) => {
        const site = requireFound(
          await tx.site.findUnique({ where: { id }, include: { _count: { select: { floors: true } } } }),
          'site',
        );
        if (site._count.floors > 0) {
          throw inUse(msg('problem.sites.siteHasFloors', { site: site.name, count: site._count.floors }));
        }
        await tx.site.delete({ where: { id } });
        await recordAudit(
          tx,
          actor,
          { action: 'site.delete', subjectType: 'site', subjectId: id, details: { name: site.name } },
          clock.now(),
        );
      }, TX_OPTIONS);
    },

    /**
     * Deletes a floor that holds no desks. A floor with desks answers IN_USE: take its desks out
     * of use instead, so their bookings and history stay.
     */
    async deleteFloor(actor: Actor, id: number) {
      return prisma.$transaction(async (tx) => {
        const floor = requireFound(
          await tx.floor.findUnique({ where: { id }, include: { _count: { select: { desks: true } } } }),
          'floor',
        );
        if (floor._count.desks > 0) {
          throw inUse(msg('problem.sites.floorHasDesks', { floor: floor.name, count: floor._count.desks }));
        }
        await tx.floor.delete({ where: { id } });
        await recordAudit(
          tx,
          actor,
          { action: 'floor.delete', subjectType: 'floor', subjectId: id, details: { name: floor.name } },
          clock.now(),
        );
      }, TX_OPTIONS);
    },

    /** Checks and stores an uploaded SVG plan; the floor takes the plan's coordinate space. */
    async uploadPlan(actor: Actor, floorId: number, file: Buffer | string | undefined) {
      if (file === undefined || file.length === 0)
        throw invalidFields({ plan: msg('problem.sites.choosePlan') });
      const plan = checkFloorPlan(file);
      return prisma.$transaction(async (tx) => {
        const before = requireFound(await tx.floor.findUnique({ where: { id: floorId } }), 'floor');
        const floor = await tx.floor.update({
          where: { id: floorId },
          data: { planSvg: plan.svg, planWidth: plan.width, planHeight: plan.height },
        });
        await recordAudit(
          tx,
          actor,
          {
            action: 'floor.plan',
            subjectType: 'floor',
            subjectId: floorId,
            details: changes(floorSnapshot(before), floorSnapshot(floor)),
          },
          clock.now(),
        );
        return floor;
      }, TX_OPTIONS);
    },
  };
}
