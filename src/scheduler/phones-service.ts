/**
 * What staff see and do on the Phones page, and the numbers behind /metrics. Reads EM live (short
 * timeout) and falls back to what Roost last learnt; manual logins and logouts go through the same
 * EM client as the scheduler and are audited with the staff member as actor.
 */
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import { invalidInput, msg, notFound, type Message } from '../errors.js';
import { EM_CODE, type DeviceUser } from '../em/index.js';
import type { EmNodeHealth } from '../em/em-cluster.js';
import { MINUTE_MS, type Clock } from '../time/clock.js';
import { zoneLabel } from '../time/zones.js';
import { LASTING_WAIT_MS } from './jobs.js';
import { waitingForEm } from './lasting-waits.js';
import { coveringNow, loginDurationMinutes, sameUser } from './action-context.js';
import type { EmClientRegistry } from './em-clients.js';
import { renderPrometheus, type QueueGauges, type SchedulerMetrics } from './metrics.js';
import { describeFailure } from './retry-policy.js';

export interface PhoneRow {
  phoneId: number;
  deviceName: string;
  desk: string;
  booking: { id: number; who: string; until: Date; status: string } | null;
  em: {
    userId: string | null;
    source: 'live' | 'last seen';
    checkedAt: Date | null;
    unknownDevice: boolean;
  };
  since: Date | null;
  autoLogoutAt: Date | null;
  nextAction: { kind: string; dueAt: Date; state: string } | null;
  lastOutcome: string | null;
  problem: { state: string; outcome: string | null } | null;
}

export interface FloorPhones {
  floor: { id: number; name: string; site: string; zone: string; zoneLabel: string } | null;
  floors: { id: number; label: string }[];
  phones: PhoneRow[];
  emAvailable: boolean;
  /** Health of each node of the floor's EM cluster, as this instance sees it. */
  emNodes?: {
    index: number;
    url: string;
    up: boolean;
    since: Date | null;
    inFlight: number;
    throttled: number;
  }[];
  /**
   * Phone actions of the cluster that are due and not done yet (waiting for EM), since when, and
   * whether the oldest has waited long enough to be a lasting fault (LASTING_WAIT_MS).
   */
  waiting?: { count: number; since: Date | null; lasting: boolean };
}

/** One EM cluster's health, for the facilities home. */
export interface ClusterHealth {
  id: number;
  name: string;
  /** The zone of the cluster's first site (UTC without one): its times are shown there. */
  zone: string;
  nodes: NonNullable<FloorPhones['emNodes']>;
  waiting: NonNullable<FloorPhones['waiting']>;
  /**
   * Logins of current bookings stopped for a reason only a person can fix (FAILED, CONFLICT):
   * the phone name, the person's EM user ID, EM on the phone, an occupant with a booking.
   */
  needPerson: number;
}

export interface PhonesService {
  /**
   * Every EM cluster's nodes as this instance sees them (up or down since when, in flight,
   * throttled) and its phone actions waiting for EM; times in the zone of its first site.
   */
  clusterHealth(): Promise<ClusterHealth[]>;
  floorPhones(floorId: number | undefined): Promise<FloorPhones>;
  /** Logs `who` (email or EM user ID; default the current booking's owner) in. Returns a message. */
  manualLogin(
    phoneId: number,
    who: string | undefined,
    actor: Actor,
  ): Promise<{ ok: boolean; message: Message }>;
  manualLogout(phoneId: number, actor: Actor): Promise<{ ok: boolean; message: Message }>;
  metricsText(): Promise<string>;
}

export interface PhonesServiceOptions {
  prisma: PrismaClient;
  clock: Clock;
  emClients: EmClientRegistry;
  metrics?: SchedulerMetrics;
}

const MANUAL_LOGIN_MINUTES_WITHOUT_BOOKING = 60;

export function createPhonesService(opts: PhonesServiceOptions): PhonesService {
  const { prisma, clock, emClients } = opts;
  const nodesOf = (cc: { cluster: { nodes(): EmNodeHealth[] } }): NonNullable<FloorPhones['emNodes']> =>
    cc.cluster.nodes().map((n) => ({
      index: n.index,
      url: n.url,
      up: n.up,
      since: n.since ?? null,
      inFlight: n.inFlight,
      throttled: n.throttled,
    }));
  /** Due phone actions of the cluster not done yet (waiting for EM), and the oldest due time. */
  async function waitingFor(clusterId: number, now: Date) {
    const due = (await waitingForEm(prisma, now, clusterId)).get(clusterId);
    const since = due?.since ?? null;
    const lasting = since !== null && since.getTime() + LASTING_WAIT_MS <= now.getTime();
    return { count: due?.count ?? 0, since, lasting };
  }

  async function phoneWithCluster(phoneId: number) {
    const phone = await prisma.phone.findUnique({
      where: { id: phoneId },
      include: { desk: { include: { floor: { include: { site: true } } } } },
    });
    if (!phone) throw notFound('phone', phoneId);
    const clusterId = phone.desk?.floor.site.emClusterId;
    if (!phone.desk || clusterId == null) {
      throw invalidInput(msg('problem.phones.noCluster', { phone: phone.deviceName }));
    }
    const cc = await emClients.forCluster(clusterId);
    if (!cc) throw invalidInput(msg('problem.phones.clusterGone', { site: phone.desk.floor.site.name }));
    return { phone, desk: phone.desk, cc };
  }

  async function currentBooking(deskId: number, now: Date) {
    return prisma.reservation.findFirst({
      where: {
        deskId,
        ...coveringNow(now),
      },
      include: { user: true },
    });
  }

  return {
    async floorPhones(floorId) {
      const allFloors = await prisma.floor.findMany({
        include: { site: true },
        orderBy: [{ site: { name: 'asc' } }, { level: 'asc' }, { name: 'asc' }],
      });
      const floors = allFloors.map((f) => ({ id: f.id, label: `${f.site.name} – ${f.name}` }));
      const floor = allFloors.find((f) => f.id === (floorId ?? allFloors[0]?.id));
      if (!floor) return { floor: null, floors, phones: [], emAvailable: false };
      const now = clock.now();
      const zone = floor.site.timeZone;
      const desks = await prisma.desk.findMany({
        where: { floorId: floor.id, phone: { isNot: null } },
        orderBy: { label: 'asc' },
        include: {
          phone: {
            include: {
              actions: {
                where: { state: { in: ['PENDING', 'RUNNING'] } },
                orderBy: { dueAt: 'asc' },
                take: 1,
              },
            },
          },
          reservations: {
            where: coveringNow(now),
            include: {
              user: true,
              phoneActions: {
                where: { state: { in: ['FAILED', 'CONFLICT'] } },
                orderBy: { id: 'desc' },
                take: 1,
              },
            },
            take: 1,
          },
        },
      });
      let live: Map<string, DeviceUser> | undefined;
      let emAvailable = false;
      let emNodes: FloorPhones['emNodes'];
      let waiting: FloorPhones['waiting'];
      if (floor.site.emClusterId != null && desks.length > 0) {
        const cc = await emClients.forCluster(floor.site.emClusterId).catch(() => undefined);
        const q = cc ? await cc.liveClient.deviceUserQuery(desks.map((d) => d.phone!.deviceName)) : undefined;
        emNodes = cc ? nodesOf(cc) : undefined;
        waiting = await waitingFor(floor.site.emClusterId, now);
        if (q?.ok) {
          emAvailable = true;
          live = new Map(q.value.map((d) => [d.deviceName.toLowerCase(), d]));
        }
      }
      const phones: PhoneRow[] = desks.map((d) => {
        const phone = d.phone!;
        const booking = d.reservations[0];
        const seen = live?.get(phone.deviceName.toLowerCase());
        const next = phone.actions[0];
        const problem = booking?.phoneActions[0];
        return {
          phoneId: phone.id,
          deviceName: phone.deviceName,
          desk: d.label,
          booking: booking
            ? {
                id: booking.id,
                who: `${booking.user.displayName} (${booking.user.email})`,
                until: booking.endsAt,
                status: booking.status,
              }
            : null,
          em: seen
            ? {
                userId: seen.state === 'loggedIn' ? (seen.userId ?? null) : null,
                source: 'live',
                checkedAt: now,
                unknownDevice: seen.state === 'doesNotExist',
              }
            : {
                userId: phone.emUserId,
                source: 'last seen',
                checkedAt: phone.emCheckedAt,
                unknownDevice: false,
              },
          since:
            seen && seen.state === 'loggedIn' && !sameUser(seen.userId, phone.emUserId)
              ? null
              : phone.emLoginAt,
          autoLogoutAt: phone.emAutoLogoutAt,
          nextAction: next ? { kind: next.kind, dueAt: next.dueAt, state: next.state } : null,
          lastOutcome: phone.lastEmOutcome,
          problem: problem ? { state: problem.state, outcome: problem.lastOutcome } : null,
        };
      });
      return {
        floor: {
          id: floor.id,
          name: floor.name,
          site: floor.site.name,
          zone,
          zoneLabel: zoneLabel(zone, now),
        },
        floors,
        phones,
        emAvailable,
        ...(emNodes ? { emNodes } : {}),
        ...(waiting ? { waiting } : {}),
      };
    },

    async clusterHealth() {
      const now = clock.now();
      const clusters = await prisma.emCluster.findMany({
        orderBy: { name: 'asc' },
        include: { sites: { select: { timeZone: true }, orderBy: { id: 'asc' }, take: 1 } },
      });
      return Promise.all(
        clusters.map(async (c) => {
          const zone = c.sites[0]?.timeZone ?? 'UTC';
          const cc = await emClients.forCluster(c.id).catch(() => undefined);
          return {
            id: c.id,
            name: c.name,
            zone,
            nodes: cc ? nodesOf(cc) : [],
            waiting: await waitingFor(c.id, now),
            needPerson: await prisma.phoneAction.count({
              where: {
                kind: 'LOGIN',
                state: { in: ['FAILED', 'CONFLICT'] },
                reservation: coveringNow(now),
                phone: { desk: { floor: { site: { emClusterId: c.id } } } },
              },
            }),
          };
        }),
      );
    },

    async manualLogin(phoneId, who, actor) {
      const { phone, desk, cc } = await phoneWithCluster(phoneId);
      const now = clock.now();
      const booking = await currentBooking(desk.id, now);
      const wanted = who?.trim();
      const user = wanted
        ? await prisma.user.findFirst({
            where: {
              OR: [
                { email: { equals: wanted, mode: 'insensitive' } },
                { emUserId: { equals: wanted, mode: 'insensitive' } },
              ],
            },
          })
        : (booking?.user ?? null);
      if (!user) {
        throw invalidInput(
          wanted ? msg('problem.phones.nobodyNamed', { who: wanted }) : msg('problem.phones.nobodyBooked'),
        );
      }
      if (!user.emUserId) throw invalidInput(msg('problem.phones.noEmUserId', { email: user.email }));
      const ownBooking = booking && booking.userId === user.id ? booking : null;
      const minutes = ownBooking
        ? loginDurationMinutes(now, ownBooking.endsAt)
        : MANUAL_LOGIN_MINUTES_WITHOUT_BOOKING;
      const out = await cc.client.login(
        phone.deviceName,
        user.emUserId,
        user.deviceProfile ? { profile: user.deviceProfile, minutes } : { minutes },
      );
      // The EM outcome is kept as EM said it (for facilities' diagnosis); the person reads a Message.
      const outcome = out.ok ? null : describeFailure(out);
      const message = out.ok
        ? msg('problem.phones.loggedIn', { user: user.emUserId, phone: phone.deviceName, minutes })
        : msg('problem.phones.loginRefused', { phone: phone.deviceName, outcome: outcome! });
      await recordAudit(
        prisma,
        actor,
        {
          action: 'phone.manual_login',
          subjectType: 'phone',
          subjectId: phone.id,
          details: {
            deviceName: phone.deviceName,
            emUserId: user.emUserId,
            minutes,
            ok: out.ok,
            outcome: outcome ?? 'logged in',
          },
        },
        now,
      );
      await prisma.phone.update({
        where: { id: phone.id },
        data: out.ok
          ? {
              emUserId: user.emUserId,
              emLoginAt: now,
              emAutoLogoutAt: new Date(now.getTime() + minutes * MINUTE_MS),
              emCheckedAt: now,
              lastEmCode: null,
              lastEmOutcome: `logged in ${user.emUserId} by hand (${actor.label})`,
            }
          : { lastEmCode: out.kind === 'em' ? out.code : null, lastEmOutcome: outcome },
      });
      return { ok: out.ok, message };
    },

    async manualLogout(phoneId, actor) {
      const { phone, cc } = await phoneWithCluster(phoneId);
      const now = clock.now();
      const out = await cc.client.logout(phone.deviceName);
      const ok = out.ok || (out.kind === 'em' && out.code === EM_CODE.NO_USER_LOGGED_IN);
      const outcome = out.ok ? 'logged out' : ok ? 'nobody was logged in' : describeFailure(out);
      const message = out.ok
        ? msg('problem.phones.loggedOut', { phone: phone.deviceName })
        : ok
          ? msg('problem.phones.nobodyLoggedIn', { phone: phone.deviceName })
          : msg('problem.phones.logoutRefused', { phone: phone.deviceName, outcome });
      await recordAudit(
        prisma,
        actor,
        {
          action: 'phone.manual_logout',
          subjectType: 'phone',
          subjectId: phone.id,
          details: { deviceName: phone.deviceName, ok, outcome },
        },
        now,
      );
      await prisma.phone.update({
        where: { id: phone.id },
        data: ok
          ? {
              emUserId: null,
              emLoginAt: null,
              emAutoLogoutAt: null,
              emCheckedAt: now,
              lastEmCode: null,
              lastEmOutcome: `logged out by hand (${actor.label})`,
            }
          : { lastEmCode: out.ok ? null : out.kind === 'em' ? out.code : null, lastEmOutcome: outcome },
      });
      return { ok, message };
    },

    metricsText: () => metricsText(prisma, clock, opts.metrics),
  };
}

/** /metrics: this process's scheduler counters (when it runs one) and the shared queue gauges. */
export async function metricsText(
  prisma: PrismaClient,
  clock: Clock,
  metrics?: SchedulerMetrics,
): Promise<string> {
  const now = clock.now();
  const [due] = await prisma.$queryRaw<{ n: bigint; oldest: Date | null }[]>`
    SELECT count(*) AS "n", min("dueAt") AS "oldest" FROM "PhoneAction"
    WHERE "state" = 'PENDING' AND "dueAt" <= ${now}::timestamptz`;
  const byState = await prisma.phoneAction.groupBy({
    by: ['state'],
    where: { state: { in: ['FAILED', 'CONFLICT'] } },
    _count: true,
  });
  const gauges: QueueGauges = {
    dueNow: Number(due?.n ?? 0),
    oldestDueSeconds: due?.oldest ? Math.max(0, (now.getTime() - due.oldest.getTime()) / 1000) : 0,
    failed: byState.find((s) => s.state === 'FAILED')?._count ?? 0,
    conflicts: byState.find((s) => s.state === 'CONFLICT')?._count ?? 0,
  };
  return renderPrometheus(metrics?.snapshot(), gauges);
}
