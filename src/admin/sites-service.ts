import { createHash } from 'node:crypto';
import type { Actor } from '../audit/audit-log.js';
import { inUse, invalidFields, invalidInput, msg } from '../errors.js';
import { OCCUPANT_PRIVACY } from '../booking/occupant-privacy.js';
import { LANGUAGES } from '../i18n/languages.js';
import { changeRunner, requireFound, type AdminDeps, type Tx } from './admin-deps.js';
import { checkFloorPlan } from './floor-plan.js';
import { asCreated, changes, Fields, type Input } from './validation.js';

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

/** What a site or a floor still holds, when that keeps it from being deleted. */
const STILL_HOLDS = {
  site: (site: string, count: number) => msg('problem.sites.siteHasFloors', { site, count }),
  floor: (floor: string, count: number) => msg('problem.sites.floorHasDesks', { floor, count }),
};

/** "07:00" <-> 420 minutes after local midnight. */
export const minutesToHhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export function createSitesService(deps: AdminDeps) {
  const { prisma } = deps;
  const change = changeRunner(deps);
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
    const defaultLanguage = f.setting('defaultLanguage', 'problem.label.defaultLanguage', LANGUAGES);
    // Who sees the names at taken desks (booking/occupant-privacy.ts). Left out: unchanged.
    const occupantPrivacy = f.setting('occupantPrivacy', 'problem.label.occupantPrivacy', OCCUPANT_PRIVACY);
    f.done();
    const settings = {
      ...(defaultLanguage && { defaultLanguage }),
      ...(occupantPrivacy && { occupantPrivacy }),
    };
    return { name, timeZone, address, emClusterId, ...settings };
  }

  const duplicateSite = (name: string) =>
    invalidFields({ name: msg('problem.sites.duplicateSite', { name }) });

  const duplicateFloor = (name: string) =>
    invalidFields({ name: msg('problem.sites.duplicateFloor', { name }) });

  /**
   * Deletes a site or a floor only when it holds nothing: one that holds floors or desks answers
   * IN_USE, since deleting it would take desks, phones and bookings along.
   */
  function deleteEmpty(
    actor: Actor,
    subjectType: 'site' | 'floor',
    id: number,
    find: (tx: Tx) => Promise<{ name: string | undefined; count: number }>,
  ) {
    return change(actor, async (tx, audit) => {
      const found = await find(tx);
      const name = requireFound(found.name, subjectType);
      if (found.count > 0) throw inUse(STILL_HOLDS[subjectType](name, found.count));
      if (subjectType === 'site') await tx.site.delete({ where: { id } });
      else await tx.floor.delete({ where: { id } });
      await audit(`${subjectType}.delete`, subjectType, id, { name });
    });
  }

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
      return change(actor, { onDuplicate: () => duplicateSite(data.name) }, async (tx, audit) => {
        const site = await tx.site.create({ data: { ...data, policy: { create: {} } } });
        await audit('site.create', 'site', site.id, asCreated(siteSnapshot(site)));
        return site;
      });
    },

    async updateSite(actor: Actor, id: number, input: Input) {
      const data = await siteFields(input);
      return change(actor, { onDuplicate: () => duplicateSite(data.name) }, async (tx, audit) => {
        const before = requireFound(await tx.site.findUnique({ where: { id } }), 'site');
        const site = await tx.site.update({ where: { id }, data });
        await audit('site.update', 'site', id, changes(siteSnapshot(before), siteSnapshot(site)));
        return site;
      });
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
      return change(actor, async (tx, audit) => {
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
        await audit('policy.update', 'site', siteId, changes(pick(before), pick(policy)));
        return policy;
      });
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
      return change(actor, { onDuplicate: () => duplicateFloor(name) }, async (tx, audit) => {
        if (!(await tx.site.findUnique({ where: { id: siteId } })))
          throw invalidInput(msg('problem.sites.chooseListedSite'), {
            fields: { siteId: msg('problem.sites.listedSiteField') },
          }).about('siteId');
        const floor = await tx.floor.create({ data: { siteId, name, level } });
        await audit('floor.create', 'floor', floor.id, asCreated(floorSnapshot(floor)));
        return floor;
      });
    },

    async updateFloor(actor: Actor, id: number, input: Input) {
      const f = new Fields(input);
      const name = f.text('name', 'problem.label.name', { required: true, max: 100 });
      const level = f.integer('level', 'problem.label.level', { min: -20, max: 300 });
      const planWidth = f.integer('planWidth', 'problem.label.planWidth', { min: 10, max: 100_000 });
      const planHeight = f.integer('planHeight', 'problem.label.planHeight', { min: 10, max: 100_000 });
      f.done();
      return change(actor, { onDuplicate: () => duplicateFloor(name) }, async (tx, audit) => {
        const before = requireFound(await tx.floor.findUnique({ where: { id } }), 'floor');
        const floor = await tx.floor.update({
          where: { id },
          data: { name, level, planWidth, planHeight },
        });
        await audit('floor.update', 'floor', id, changes(floorSnapshot(before), floorSnapshot(floor)));
        return floor;
      });
    },

    /**
     * Deletes a site that holds no floors (its booking policy goes with it; people whose home it
     * was keep their accounts without a home site).
     */
    deleteSite(actor: Actor, id: number) {
      return deleteEmpty(actor, 'site', id, async (tx) => ({
        name: (await tx.site.findUnique({ where: { id } }))?.name,
        count: await tx.floor.count({ where: { siteId: id } }),
      }));
    },

    /** Deletes a floor that holds no desks: a floor with desks keeps them, out of use instead. */
    deleteFloor(actor: Actor, id: number) {
      return deleteEmpty(actor, 'floor', id, async (tx) => ({
        name: (await tx.floor.findUnique({ where: { id } }))?.name,
        count: await tx.desk.count({ where: { floorId: id } }),
      }));
    },

    /** Checks and stores an uploaded SVG plan; the floor takes the plan's coordinate space. */
    async uploadPlan(actor: Actor, floorId: number, file: Buffer | string | undefined) {
      if (file === undefined || file.length === 0)
        throw invalidFields({ plan: msg('problem.sites.choosePlan') });
      const plan = checkFloorPlan(file);
      return change(actor, async (tx, audit) => {
        const before = requireFound(await tx.floor.findUnique({ where: { id: floorId } }), 'floor');
        const floor = await tx.floor.update({
          where: { id: floorId },
          data: { planSvg: plan.svg, planWidth: plan.width, planHeight: plan.height },
        });
        await audit('floor.plan', 'floor', floorId, changes(floorSnapshot(before), floorSnapshot(floor)));
        return floor;
      });
    },
  };
}
