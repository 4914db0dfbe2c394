import type { Actor } from '../audit/audit-log.js';
import { recordAudit } from '../audit/audit-log.js';
import { Db, type PrismaClient } from '../db/database.js';
import { RoostError, invalidInput, notFound } from '../errors.js';
import {
  cancelPhoneActions,
  movePhoneActions,
  moveLogout,
  schedulePhoneActionsMany,
} from '../scheduler/jobs.js';
import type { Clock } from '../time/clock.js';
import { DAY_MS } from '../time/clock.js';
import {
  addDays,
  formatLocal,
  formatLocalTime,
  localDate,
  parseWallTime,
  startOfLocalDay,
  wallTimeToInstant,
  WallTimeError,
  zoneLabel,
} from '../time/zones.js';
import {
  desksOnFloor,
  markAvailability,
  overlappingForDesk,
  overlappingForUser,
  overlappingOnFloor,
  type DeskAvailability,
} from './availability.js';
import {
  DEFAULT_POLICY,
  STAFF_WAIVABLE_RULES,
  checkBookingRules,
  checkInWindow,
  isInCheckInWindow,
  localRange,
  type Policy,
  type RuleViolation,
} from './booking-rules.js';
import { isRetryable, overlapViolation, type OverlapKind } from './db-errors.js';

export type Role = 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';

/**
 * Who is acting, for the audit trail and for authorization. Authorization lives here,
 * in the service, and nowhere else: an employee acts only on their own bookings,
 * facilities and admins on anyone's.
 */
export type BookingActor = Actor & { role: Role };

export const actorFor = (user: { id: number; email: string; role: Role }): BookingActor => ({
  id: user.id,
  label: user.email,
  role: user.role,
});

const isStaffActor = (actor: BookingActor) => actor.role === 'FACILITIES' || actor.role === 'ADMIN';

type Reservation = Db.Reservation;

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Longest range a booking request may name before it is refused as absurd (before policy). */
const MAX_REQUEST_RANGE_MS = 31 * DAY_MS;
/** Longest range the availability question may span. */
export const MAX_AVAILABILITY_RANGE_MS = 14 * DAY_MS;
const MAX_SERIES_DATES = 62;
const MAX_ALTERNATIVES = 5;
const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

export interface Alternative {
  id: number;
  label: string;
  features: string[];
}

export interface PhoneStatus {
  kind: 'pending' | 'running' | 'logged-in' | 'failed' | 'logged-out';
  message: string;
}

export interface BookingSummary {
  id: number;
  status: Reservation['status'];
  startsAt: Date;
  endsAt: Date;
  checkedInAt: Date | null;
  userId: number;
  desk: { id: number; label: string; features: string[] };
  floor: { id: number; name: string };
  site: { id: number; name: string; timeZone: string };
  phone: { deviceName: string } | null;
  phoneStatus: PhoneStatus | null;
  /** Who booked it, when that was someone else ("booked by Frances on your behalf"). */
  bookedBy: string | null;
  /** Who changed it last, when that was someone else. */
  changedBy: string | null;
  /** Local labels in the site's zone, with the zone's abbreviation. */
  when: string;
  zone: string;
  isCurrent: boolean;
  canCancel: boolean;
  canRelease: boolean;
  canExtend: boolean;
  canCheckIn: boolean;
  checkInOpensAt: Date;
  checkInClosesAt: Date;
  /** Latest end an extension may ask for under the policy (working hours, length). */
  latestEndAt: Date;
}

export interface AvailabilityResult {
  floor: {
    id: number;
    name: string;
    level: number;
    planSvg: string | null;
    planWidth: number;
    planHeight: number;
  };
  site: { id: number; name: string; timeZone: string };
  policy: Policy;
  desks: DeskAvailability[];
}

export interface SeriesResult {
  booked: { date: string; reservation: Reservation }[];
  refused: { date: string; reason: string; rule?: string }[];
}

export interface BookingService {
  sites(): Promise<
    {
      id: number;
      name: string;
      timeZone: string;
      address: string;
      policy: Policy;
      floors: { id: number; name: string; level: number }[];
    }[]
  >;
  availability(input: {
    floorId: number;
    startsAt: Date;
    endsAt: Date;
    features?: string[];
    forUserId?: number;
  }): Promise<AvailabilityResult>;
  book(input: {
    actor: BookingActor;
    userId: number;
    deskId: number;
    startsAt: Date;
    endsAt: Date;
    /** Staff only; waives STAFF_WAIVABLE_RULES (see booking-rules.ts). */
    enforcePolicy?: boolean;
  }): Promise<Reservation>;
  bookSeries(input: {
    actor: BookingActor;
    userId: number;
    deskId: number;
    dates: string[];
    startTime: string;
    endTime: string;
  }): Promise<SeriesResult>;
  cancel(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  release(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  extend(input: { actor: BookingActor; reservationId: number; endsAt: Date }): Promise<Reservation>;
  checkIn(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  move(input: { actor: BookingActor; reservationId: number; deskId: number }): Promise<Reservation>;
  listForUser(userId: number, opts?: { from?: Date }): Promise<BookingSummary[]>;
  /** One booking with its context, for an actor allowed to see it. */
  get(input: { actor: BookingActor; reservationId: number }): Promise<BookingSummary>;
  /** A desk's floor and its site's zone (a form's wall times are read in it); null if no such desk. */
  deskPlace(deskId: number): Promise<{ id: number; floorId: number; zone: string } | null>;
}

type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

function policyOf(site: { policy: Policy | null }): Policy {
  const p = site.policy;
  if (!p) return DEFAULT_POLICY;
  return {
    maxDaysAhead: p.maxDaysAhead,
    maxBookingMinutes: p.maxBookingMinutes,
    maxBookingsPerDay: p.maxBookingsPerDay,
    workdayStartMinute: p.workdayStartMinute,
    workdayEndMinute: p.workdayEndMinute,
    workingDays: p.workingDays,
    checkInOpensMinutesBefore: p.checkInOpensMinutesBefore,
    checkInClosesMinutesAfter: p.checkInClosesMinutesAfter,
  };
}

function ruleError(violations: RuleViolation[]): RoostError {
  const first = violations[0]!;
  return new RoostError('RULE_VIOLATION', violations.map((v) => v.message).join(' '), {
    rule: first.rule,
    violations,
  });
}

function checkRange(startsAt: Date, endsAt: Date, maxMs: number, what: string): void {
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime()))
    throw invalidInput('The start and end must be valid dates and times.');
  if (endsAt <= startsAt) throw invalidInput('The end must be after the start.');
  if (endsAt.getTime() - startsAt.getTime() > maxMs)
    throw invalidInput(`${what} may span at most ${Math.round(maxMs / DAY_MS)} days.`);
}

const rangeLabel = (zone: string, startsAt: Date, endsAt: Date) =>
  localDate(zone, startsAt) === localDate(zone, endsAt)
    ? `${formatLocal(zone, startsAt)}–${formatLocalTime(zone, endsAt)} ${zoneLabel(zone, startsAt)}`
    : `${formatLocal(zone, startsAt)} ${zoneLabel(zone, startsAt)} – ${formatLocal(zone, endsAt)} ${zoneLabel(zone, endsAt)}`;

export function phoneStatusOf(
  actions: {
    kind: 'LOGIN' | 'LOGOUT';
    state: string;
    dueAt: Date;
    lastOutcome: string | null;
    purpose: string;
  }[],
  zone: string,
): PhoneStatus | null {
  // Only the booking's own actions (a move retires the old phone's ones).
  const current = actions.filter((a) => a.purpose === 'BOOKING');
  const login = current.find((a) => a.kind === 'LOGIN');
  const logout = current.find((a) => a.kind === 'LOGOUT');
  if (logout?.state === 'DONE') return { kind: 'logged-out', message: 'Phone logged out' };
  if (!login) return null;
  switch (login.state) {
    case 'DONE':
      return { kind: 'logged-in', message: 'Phone logged in' };
    case 'FAILED':
    case 'CONFLICT':
      return {
        kind: 'failed',
        message: `Your phone could not be logged in: ${login.lastOutcome ?? 'no reason given'}`,
      };
    case 'PENDING':
      return {
        kind: 'pending',
        message: `Phone will log you in at ${formatLocalTime(zone, login.dueAt)} ${zoneLabel(zone, login.dueAt)}`,
      };
    case 'RUNNING':
      return { kind: 'running', message: 'Logging your phone in now' };
    default:
      return null;
  }
}

/** A committed change to one booking, for listeners such as email notices. */
export interface BookingChange {
  /** The booking before the change; null when it was just created. */
  before: Reservation | null;
  after: Reservation;
  actor: BookingActor;
}

export function createBookingService(deps: {
  prisma: PrismaClient;
  clock: Clock;
  log?: Logger;
  /**
   * Told after each booking, cancellation, release, extension, check-in or move has
   * committed (never inside the transaction, so a slow listener cannot hold locks).
   * A series books day by day without it: one confirmation per day would be noise.
   */
  onChange?: (change: BookingChange) => void;
}): BookingService {
  const { prisma, clock } = deps;

  /** Runs a booking transaction, once more after a deadlock or serialization failure. */
  async function inTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await prisma.$transaction((tx) => fn(tx), TX_OPTIONS);
      } catch (error) {
        if (attempt >= 3 || !isRetryable(error)) throw error;
        deps.log?.warn({ attempt }, 'booking transaction retried');
      }
    }
  }

  async function loadDesk(db: Tx, deskId: number) {
    const desk = await db.desk.findUnique({
      where: { id: deskId },
      include: { floor: { include: { site: { include: { policy: true } } } }, phone: true },
    });
    if (!desk) throw notFound(`Desk ${deskId}`);
    return desk;
  }

  async function alternatives(floorId: number, exceptDeskId: number, startsAt: Date, endsAt: Date) {
    const [desks, taken] = await Promise.all([
      desksOnFloor(prisma, floorId),
      overlappingOnFloor(prisma, floorId, startsAt, endsAt),
    ]);
    return markAvailability(desks, taken)
      .filter((d) => d.available && d.id !== exceptDeskId)
      .slice(0, MAX_ALTERNATIVES)
      .map((d) => ({ id: d.id, label: d.label, features: d.features }));
  }

  function conflictError(
    taken: OverlapKind,
    ctx: { deskLabel: string; zone: string; startsAt: Date; endsAt: Date; forSelf: boolean },
    alternativesFound: Alternative[],
  ): RoostError {
    const when = rangeLabel(ctx.zone, ctx.startsAt, ctx.endsAt);
    const message =
      taken === 'desk'
        ? `Desk ${ctx.deskLabel} is already taken for ${when}. ` +
          (alternativesFound.length > 0
            ? `These desks on the same floor are free then: ${alternativesFound.map((a) => a.label).join(', ')}.`
            : 'No other desk on this floor is free then; try another floor or time.')
        : `${ctx.forSelf ? 'You already have' : 'This person already has'} a desk booked at an overlapping time. One desk per person at a time: cancel or release that booking first, or choose another time.`;
    return new RoostError('BOOKING_CONFLICT', message, { taken, alternatives: alternativesFound });
  }

  /** Loads a reservation under a row lock and checks the actor may act on it. */
  async function lockOwned(tx: Tx, actor: BookingActor, reservationId: number) {
    await tx.$queryRaw`SELECT "id" FROM "Reservation" WHERE "id" = ${reservationId} FOR UPDATE`;
    const r = await tx.reservation.findUnique({
      where: { id: reservationId },
      include: { desk: { include: { floor: { include: { site: { include: { policy: true } } } } } } },
    });
    if (!r || (!isStaffActor(actor) && r.userId !== actor.id)) throw notFound(`Booking ${reservationId}`);
    return r;
  }

  const isActive = (status: Reservation['status']) => status === 'BOOKED' || status === 'CHECKED_IN';

  async function book(input: Parameters<BookingService['book']>[0]): Promise<Reservation> {
    const { actor, userId, deskId, startsAt, endsAt } = input;
    checkRange(startsAt, endsAt, MAX_REQUEST_RANGE_MS, 'A booking');
    if (!isStaffActor(actor) && actor.id !== userId)
      throw new RoostError('FORBIDDEN', 'You can only book desks for yourself.');
    const enforce = input.enforcePolicy ?? true;
    if (!enforce && !isStaffActor(actor))
      throw new RoostError('FORBIDDEN', 'Only facilities staff can book outside the booking rules.');
    const now = clock.now();
    const ctx: { current: { deskLabel: string; zone: string; floorId: number } | null } = { current: null };
    try {
      return await inTransaction(async (tx) => {
        // Bookings of one desk, and of one person, queue behind each other here: one
        // statement locks the desk row, then the person's (the lock marks follow the FROM
        // list, so two bookings cannot wait on each other in a cycle; a deadlock would be
        // retried anyway), and returns everything the rules need. The checks below run in
        // the next statement, so they see every earlier winner; the constraints stay the truth.
        const facts = await lockForBooking(tx, deskId, userId);
        if (!facts) {
          const deskExists = await tx.desk.count({ where: { id: deskId } });
          throw notFound(deskExists ? `User ${userId}` : `Desk ${deskId}`);
        }
        if (facts.userDisabled) throw notFound(`User ${userId}`);
        const zone = facts.zone;
        ctx.current = { deskLabel: facts.label, zone, floorId: facts.floorId };
        const policy = facts.policy;
        const desk = { label: facts.label, bookable: facts.bookable };
        // Calendar rules first, without a round trip; an overlap next (it names the desk or
        // booking in the way); the daily quota last, since an overlap usually explains it better.
        const calendarRules = checkBookingRules({
          policy,
          zone,
          startsAt,
          endsAt,
          now,
          desk,
          otherBookingsThatDay: 0,
        });
        const bindingOf = (vs: RuleViolation[]) =>
          enforce ? vs : vs.filter((v) => !STAFF_WAIVABLE_RULES.has(v.rule));
        const calendar = bindingOf(calendarRules);
        if (calendar.length > 0) throw ruleError(calendar);
        const day = localDate(zone, startsAt);
        const checks = await checkForBooking(tx, {
          deskId,
          userId,
          startsAt,
          endsAt,
          dayStartsAt: startOfLocalDay(zone, day),
          dayEndsAt: startOfLocalDay(zone, addDays(day, 1)),
        });
        if (checks.deskTaken) throw new ConflictSignal('desk');
        if (checks.personTaken) throw new ConflictSignal('person');
        const violations = checkBookingRules({
          policy,
          zone,
          startsAt,
          endsAt,
          now,
          desk,
          otherBookingsThatDay: checks.otherBookingsThatDay,
        });
        const binding = bindingOf(violations);
        if (binding.length > 0) throw ruleError(binding);

        const reservation = await tx.reservation.create({
          data: { deskId, userId, startsAt, endsAt, createdById: actor.id, updatedById: actor.id },
        });
        if (facts.phoneId !== null)
          await schedulePhoneActionsMany(tx, [{ ...reservation, phoneId: facts.phoneId }]);
        await recordAudit(
          tx,
          actor,
          {
            action: 'reservation.create',
            subjectType: 'Reservation',
            subjectId: reservation.id,
            details: {
              deskId,
              userId,
              startsAt: startsAt.toISOString(),
              endsAt: endsAt.toISOString(),
              ...(actor.id !== userId ? { onBehalf: true } : {}),
              ...(violations.length > binding.length ? { waivedRules: violations.map((v) => v.rule) } : {}),
            },
          },
          now,
        );
        deps.log?.info({ bookingId: reservation.id, deskId, userId }, 'desk booked');
        return reservation;
      });
    } catch (error) {
      const taken = error instanceof ConflictSignal ? error.taken : overlapViolation(error);
      if (!taken) throw error;
      let desk = ctx.current;
      if (!desk) {
        const d = await loadDesk(prisma, deskId);
        desk = { deskLabel: d.label, zone: d.floor.site.timeZone, floorId: d.floorId };
      }
      const alts = taken === 'desk' ? await alternatives(desk.floorId, deskId, startsAt, endsAt) : [];
      throw conflictError(taken, { ...desk, startsAt, endsAt, forSelf: actor.id === userId }, alts);
    }
  }

  const service: BookingService = {
    async sites() {
      const sites = await prisma.site.findMany({
        orderBy: { name: 'asc' },
        include: { policy: true, floors: { orderBy: [{ level: 'asc' }, { name: 'asc' }] } },
      });
      return sites.map((s) => ({
        id: s.id,
        name: s.name,
        timeZone: s.timeZone,
        address: s.address,
        policy: policyOf(s),
        floors: s.floors.map((f) => ({ id: f.id, name: f.name, level: f.level })),
      }));
    },

    async availability(input) {
      checkRange(input.startsAt, input.endsAt, MAX_AVAILABILITY_RANGE_MS, 'An availability search');
      const floor = await prisma.floor.findUnique({
        where: { id: input.floorId },
        include: { site: { include: { policy: true } } },
      });
      if (!floor) throw notFound(`Floor ${input.floorId}`);
      const [desks, taken] = await Promise.all([
        desksOnFloor(prisma, floor.id),
        overlappingOnFloor(prisma, floor.id, input.startsAt, input.endsAt),
      ]);
      return {
        floor: {
          id: floor.id,
          name: floor.name,
          level: floor.level,
          planSvg: floor.planSvg,
          planWidth: floor.planWidth,
          planHeight: floor.planHeight,
        },
        site: { id: floor.site.id, name: floor.site.name, timeZone: floor.site.timeZone },
        policy: policyOf(floor.site),
        desks: markAvailability(desks, taken, {
          ...(input.features ? { features: input.features } : {}),
          ...(input.forUserId !== undefined ? { forUserId: input.forUserId } : {}),
        }),
      };
    },

    book,

    async bookSeries(input) {
      const dates = [...new Set(input.dates)].sort();
      if (dates.length === 0) throw invalidInput('Choose at least one day.');
      if (dates.length > MAX_SERIES_DATES)
        throw invalidInput(
          `A series may have at most ${MAX_SERIES_DATES} days; choose fewer weeks or weekdays.`,
        );
      const desk = await loadDesk(prisma, input.deskId);
      const zone = desk.floor.site.timeZone;
      const result: SeriesResult = { booked: [], refused: [] };
      // One transaction per day: a day that cannot be booked does not undo the others.
      for (const date of dates) {
        try {
          const { startsAt, endsAt } = localRange(zone, date, input.startTime, input.endTime);
          const reservation = await book({
            actor: input.actor,
            userId: input.userId,
            deskId: input.deskId,
            startsAt,
            endsAt,
          });
          result.booked.push({ date, reservation });
        } catch (error) {
          if (error instanceof RoostError && error.code !== 'FORBIDDEN' && error.code !== 'NOT_FOUND') {
            const rule =
              typeof error.details.rule === 'string'
                ? error.details.rule
                : error.code === 'BOOKING_CONFLICT'
                  ? `taken-${String(error.details.taken)}`
                  : 'invalid-time';
            result.refused.push({ date, reason: error.message, rule });
          } else {
            throw error;
          }
        }
      }
      return result;
    },

    async cancel({ actor, reservationId }) {
      const now = clock.now();
      return inTransaction(async (tx) => {
        const r = await lockOwned(tx, actor, reservationId);
        if (!isActive(r.status))
          throw invalidInput(`This booking is already ${r.status.toLowerCase().replace('_', ' ')}.`);
        if (r.startsAt < now)
          throw invalidInput('This booking has already started: release it instead to free the desk now.');
        const updated = await tx.reservation.update({
          where: { id: r.id },
          data: { status: 'CANCELLED', updatedById: actor.id },
        });
        await cancelPhoneActions(tx, r.id, now);
        await recordAudit(
          tx,
          actor,
          {
            action: 'reservation.cancel',
            subjectType: 'Reservation',
            subjectId: r.id,
            details: { userId: r.userId },
          },
          now,
        );
        return updated;
      });
    },

    async release({ actor, reservationId }) {
      const now = clock.now();
      return inTransaction(async (tx) => {
        const r = await lockOwned(tx, actor, reservationId);
        if (!isActive(r.status))
          throw invalidInput(`This booking is already ${r.status.toLowerCase().replace('_', ' ')}.`);
        if (r.endsAt <= now) throw invalidInput('This booking has already ended.');
        if (r.startsAt >= now) throw invalidInput('This booking has not started yet: cancel it instead.');
        const updated = await tx.reservation.update({
          where: { id: r.id },
          data: { status: 'RELEASED', endsAt: now, updatedById: actor.id },
        });
        await moveLogout(tx, r.id, now);
        await recordAudit(
          tx,
          actor,
          {
            action: 'reservation.release',
            subjectType: 'Reservation',
            subjectId: r.id,
            details: { before: { endsAt: r.endsAt.toISOString() }, after: { endsAt: now.toISOString() } },
          },
          now,
        );
        return updated;
      });
    },

    async extend({ actor, reservationId, endsAt }) {
      const now = clock.now();
      if (Number.isNaN(endsAt.getTime())) throw invalidInput('The new end must be a valid date and time.');
      let ctx: {
        deskLabel: string;
        zone: string;
        floorId: number;
        deskId: number;
        startsAt: Date;
        userId: number;
      } | null = null;
      try {
        return await inTransaction(async (tx) => {
          const r = await lockOwned(tx, actor, reservationId);
          const zone = r.desk.floor.site.timeZone;
          ctx = {
            deskLabel: r.desk.label,
            zone,
            floorId: r.desk.floorId,
            deskId: r.deskId,
            startsAt: r.startsAt,
            userId: r.userId,
          };
          if (!isActive(r.status))
            throw invalidInput(`This booking is already ${r.status.toLowerCase().replace('_', ' ')}.`);
          if (r.endsAt <= now) throw invalidInput('This booking has already ended.');
          if (endsAt <= r.endsAt)
            throw invalidInput(
              `Choose a new end after the current one, ${formatLocalTime(zone, r.endsAt)} ${zoneLabel(zone, r.endsAt)}.`,
            );
          const violations = checkBookingRules({
            policy: policyOf(r.desk.floor.site),
            zone,
            startsAt: r.startsAt,
            endsAt,
            now,
            desk: r.desk,
            otherBookingsThatDay: 0,
          }).filter((v) => v.rule === 'too-long' || v.rule === 'outside-working-hours');
          if (violations.length > 0) throw ruleError(violations);
          if (await overlappingForDesk(tx, r.deskId, r.endsAt, endsAt, r.id))
            throw new ConflictSignal('desk');
          if (await overlappingForUser(tx, r.userId, r.endsAt, endsAt, r.id))
            throw new ConflictSignal('person');
          const updated = await tx.reservation.update({
            where: { id: r.id },
            data: { endsAt, updatedById: actor.id },
          });
          await moveLogout(tx, r.id, endsAt);
          await recordAudit(
            tx,
            actor,
            {
              action: 'reservation.extend',
              subjectType: 'Reservation',
              subjectId: r.id,
              details: {
                before: { endsAt: r.endsAt.toISOString() },
                after: { endsAt: endsAt.toISOString() },
              },
            },
            now,
          );
          return updated;
        });
      } catch (error) {
        const taken = error instanceof ConflictSignal ? error.taken : overlapViolation(error);
        const c = ctx as {
          deskLabel: string;
          zone: string;
          floorId: number;
          deskId: number;
          startsAt: Date;
          userId: number;
        } | null;
        if (!taken || !c) throw error;
        const message =
          taken === 'desk'
            ? `Desk ${c.deskLabel} is booked by someone else before ${formatLocalTime(c.zone, endsAt)} ${zoneLabel(c.zone, endsAt)}, so this booking cannot be extended that far. Choose an earlier end.`
            : 'You have another booking starting before that time. Choose an earlier end.';
        throw new RoostError('BOOKING_CONFLICT', message, { taken, alternatives: [] });
      }
    },

    async checkIn({ actor, reservationId }) {
      const now = clock.now();
      return inTransaction(async (tx) => {
        const r = await lockOwned(tx, actor, reservationId);
        if (r.status === 'CHECKED_IN') throw invalidInput('You are already checked in.');
        if (r.status !== 'BOOKED')
          throw invalidInput(`This booking is ${r.status.toLowerCase().replace('_', ' ')}.`);
        const zone = r.desk.floor.site.timeZone;
        const window = checkInWindow(policyOf(r.desk.floor.site), r);
        if (!isInCheckInWindow(window, now)) {
          const span = `${formatLocalTime(zone, window.opensAt)}–${formatLocalTime(zone, window.closesAt)} ${zoneLabel(zone, window.opensAt)}`;
          throw new RoostError(
            'RULE_VIOLATION',
            now < window.opensAt
              ? `Check-in opens at ${formatLocalTime(zone, window.opensAt)}. You can check in ${span}.`
              : `Check-in closed at ${formatLocalTime(zone, window.closesAt)} (window ${span}).`,
            { rule: 'check-in-window' },
          );
        }
        const updated = await tx.reservation.update({
          where: { id: r.id },
          data: { status: 'CHECKED_IN', checkedInAt: now, updatedById: actor.id },
        });
        await recordAudit(
          tx,
          actor,
          { action: 'reservation.check-in', subjectType: 'Reservation', subjectId: r.id },
          now,
        );
        return updated;
      });
    },

    async move({ actor, reservationId, deskId }) {
      const now = clock.now();
      let ctx: { deskLabel: string; zone: string; floorId: number; startsAt: Date; endsAt: Date } | null =
        null;
      try {
        return await inTransaction(async (tx) => {
          const locked = await tx.$queryRaw<
            { id: number }[]
          >`SELECT "id" FROM "Desk" WHERE "id" = ${deskId} FOR UPDATE`;
          if (locked.length === 0) throw notFound(`Desk ${deskId}`);
          const r = await lockOwned(tx, actor, reservationId);
          const target = await loadDesk(tx, deskId);
          const zone = target.floor.site.timeZone;
          ctx = {
            deskLabel: target.label,
            zone,
            floorId: target.floorId,
            startsAt: r.startsAt,
            endsAt: r.endsAt,
          };
          if (!isActive(r.status))
            throw invalidInput(`This booking is already ${r.status.toLowerCase().replace('_', ' ')}.`);
          if (r.endsAt <= now) throw invalidInput('This booking has already ended.');
          if (r.deskId === deskId) throw invalidInput(`The booking is already on desk ${target.label}.`);
          if (target.floor.siteId !== r.desk.floor.siteId)
            throw invalidInput(
              'A booking can only move to a desk on the same site; cancel it and book there instead.',
            );
          if (!target.bookable)
            throw ruleError([
              {
                rule: 'desk-not-bookable',
                message: `Desk ${target.label} cannot be booked: it is out of use. Choose another desk.`,
              },
            ]);
          if (await overlappingForDesk(tx, deskId, r.startsAt, r.endsAt, r.id))
            throw new ConflictSignal('desk');
          const updated = await tx.reservation.update({
            where: { id: r.id },
            data: { deskId, updatedById: actor.id },
          });
          await movePhoneActions(tx, updated, now);
          await recordAudit(
            tx,
            actor,
            {
              action: 'reservation.move',
              subjectType: 'Reservation',
              subjectId: r.id,
              details: { before: { deskId: r.deskId }, after: { deskId } },
            },
            now,
          );
          return updated;
        });
      } catch (error) {
        const taken = error instanceof ConflictSignal ? error.taken : overlapViolation(error);
        const c = ctx as {
          deskLabel: string;
          zone: string;
          floorId: number;
          startsAt: Date;
          endsAt: Date;
        } | null;
        if (!taken || !c) throw error;
        const alts = await alternatives(c.floorId, deskId, c.startsAt, c.endsAt);
        throw conflictError(taken, { ...c, forSelf: false }, alts);
      }
    },

    async listForUser(userId, opts = {}) {
      const now = clock.now();
      const rows = await prisma.reservation.findMany({
        where: { userId, status: { in: ['BOOKED', 'CHECKED_IN'] }, endsAt: { gt: opts.from ?? now } },
        orderBy: { startsAt: 'asc' },
        take: 200,
        include: summaryInclude,
      });
      return rows.map((r) => summarize(r, now));
    },

    async get({ actor, reservationId }) {
      const r = await prisma.reservation.findUnique({
        where: { id: reservationId },
        include: summaryInclude,
      });
      if (!r || (!isStaffActor(actor) && r.userId !== actor.id)) throw notFound(`Booking ${reservationId}`);
      return summarize(r, clock.now());
    },

    async deskPlace(deskId) {
      const desk = await prisma.desk.findUnique({
        where: { id: deskId },
        select: { id: true, floorId: true, floor: { select: { site: { select: { timeZone: true } } } } },
      });
      return desk ? { id: desk.id, floorId: desk.floorId, zone: desk.floor.site.timeZone } : null;
    },
  };
  return deps.onChange ? withChangeListener(service, prisma, deps.onChange) : service;
}

function withChangeListener(
  service: BookingService,
  prisma: PrismaClient,
  onChange: (change: BookingChange) => void,
): BookingService {
  type ById = { actor: BookingActor; reservationId: number };
  const tracked =
    <I extends ById>(change: (input: I) => Promise<Reservation>) =>
    async (input: I): Promise<Reservation> => {
      const before = await prisma.reservation.findUnique({ where: { id: input.reservationId } });
      const after = await change(input);
      onChange({ before, after, actor: input.actor });
      return after;
    };
  return {
    ...service,
    book: async (input) => {
      const after = await service.book(input);
      onChange({ before: null, after, actor: input.actor });
      return after;
    },
    cancel: tracked(service.cancel),
    release: tracked(service.release),
    extend: tracked(service.extend),
    checkIn: tracked(service.checkIn),
    move: tracked(service.move),
  };
}

interface BookingFacts {
  label: string;
  bookable: boolean;
  floorId: number;
  zone: string;
  policy: Policy;
  phoneId: number | null;
  userDisabled: boolean;
}

/**
 * Locks the desk, then the person, and returns what the booking rules need about both, in
 * one round trip; null when the desk or the person does not exist.
 */
async function lockForBooking(tx: Tx, deskId: number, userId: number): Promise<BookingFacts | null> {
  const rows = await tx.$queryRaw<
    {
      label: string;
      bookable: boolean;
      floorId: number;
      timeZone: string;
      phoneId: number | null;
      disabled: boolean;
      policyId: number | null;
      maxDaysAhead: number;
      maxBookingMinutes: number;
      maxBookingsPerDay: number;
      workdayStartMinute: number;
      workdayEndMinute: number;
      workingDays: number[];
      checkInOpensMinutesBefore: number;
      checkInClosesMinutesAfter: number;
    }[]
  >`
    SELECT d."label", d."bookable", d."floorId", s."timeZone", ph."id" AS "phoneId", u."disabled",
      p."id" AS "policyId", p."maxDaysAhead", p."maxBookingMinutes", p."maxBookingsPerDay",
      p."workdayStartMinute", p."workdayEndMinute", p."workingDays",
      p."checkInOpensMinutesBefore", p."checkInClosesMinutesAfter"
    FROM "Desk" d
      CROSS JOIN "User" u
      JOIN "Floor" f ON f."id" = d."floorId"
      JOIN "Site" s ON s."id" = f."siteId"
      LEFT JOIN "BookingPolicy" p ON p."siteId" = s."id"
      LEFT JOIN "Phone" ph ON ph."deskId" = d."id"
    WHERE d."id" = ${deskId} AND u."id" = ${userId}
    FOR UPDATE OF d, u`;
  const row = rows[0];
  if (!row) return null;
  return {
    label: row.label,
    bookable: row.bookable,
    floorId: row.floorId,
    zone: row.timeZone,
    phoneId: row.phoneId,
    userDisabled: row.disabled,
    policy: policyOf({ policy: row.policyId === null ? null : row }),
  };
}

/**
 * After the locks, in one round trip: the person's other active bookings starting that
 * local day, and whether the desk or the person is taken in [startsAt, endsAt) (the same
 * half-open test as the exclusion constraints, see availability.ts).
 */
async function checkForBooking(
  tx: Tx,
  q: { deskId: number; userId: number; startsAt: Date; endsAt: Date; dayStartsAt: Date; dayEndsAt: Date },
): Promise<{ otherBookingsThatDay: number; deskTaken: boolean; personTaken: boolean }> {
  const range = Db.Prisma.sql`tstzrange(${q.startsAt}::timestamptz, ${q.endsAt}::timestamptz, '[)')`;
  const [row] = await tx.$queryRaw<{ sameDay: number; deskTaken: boolean; personTaken: boolean }[]>`
    SELECT
      (SELECT count(*)::int FROM "Reservation"
        WHERE "userId" = ${q.userId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND "startsAt" >= ${q.dayStartsAt}::timestamptz AND "startsAt" < ${q.dayEndsAt}::timestamptz) AS "sameDay",
      EXISTS (SELECT 1 FROM "Reservation"
        WHERE "deskId" = ${q.deskId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND tstzrange("startsAt", "endsAt", '[)') && ${range}) AS "deskTaken",
      EXISTS (SELECT 1 FROM "Reservation"
        WHERE "userId" = ${q.userId} AND "status" IN ('BOOKED', 'CHECKED_IN')
          AND tstzrange("startsAt", "endsAt", '[)') && ${range}) AS "personTaken"`;
  return { otherBookingsThatDay: row!.sameDay, deskTaken: row!.deskTaken, personTaken: row!.personTaken };
}

/** Thrown inside a transaction when the pre-check finds a clash; turned into a conflict outside. */
class ConflictSignal extends Error {
  constructor(readonly taken: OverlapKind) {
    super(`overlap: ${taken}`);
  }
}

const summaryInclude = {
  desk: { include: { floor: { include: { site: { include: { policy: true } } } }, phone: true } },
  phoneActions: true,
  createdBy: { select: { displayName: true } },
  updatedBy: { select: { displayName: true } },
} as const;

type SummaryRow = Db.Prisma.ReservationGetPayload<{ include: typeof summaryInclude }>;

function summarize(r: SummaryRow, now: Date): BookingSummary {
  const site = r.desk.floor.site;
  const zone = site.timeZone;
  const policy = policyOf(site);
  const window = checkInWindow(policy, r);
  const isCurrent = r.startsAt <= now && now < r.endsAt;
  const active = r.status === 'BOOKED' || r.status === 'CHECKED_IN';
  const dayEnd = localDate(zone, r.startsAt);
  const workdayEnd =
    policy.workdayEndMinute >= 1440
      ? startOfLocalDay(zone, addDays(dayEnd, 1))
      : safeWallTime(zone, dayEnd, policy.workdayEndMinute);
  const latestEndAt = new Date(
    Math.min(workdayEnd.getTime(), r.startsAt.getTime() + policy.maxBookingMinutes * 60_000),
  );
  return {
    id: r.id,
    status: r.status,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    checkedInAt: r.checkedInAt,
    userId: r.userId,
    desk: { id: r.desk.id, label: r.desk.label, features: r.desk.features },
    floor: { id: r.desk.floor.id, name: r.desk.floor.name },
    site: { id: site.id, name: site.name, timeZone: zone },
    phone: r.desk.phone ? { deviceName: r.desk.phone.deviceName } : null,
    phoneStatus: phoneStatusOf(r.phoneActions, zone),
    bookedBy:
      r.createdById !== null && r.createdById !== r.userId ? (r.createdBy?.displayName ?? null) : null,
    changedBy:
      r.updatedById !== null && r.updatedById !== r.userId && r.updatedById !== r.createdById
        ? (r.updatedBy?.displayName ?? null)
        : null,
    when: rangeLabel(zone, r.startsAt, r.endsAt),
    zone: zoneLabel(zone, r.startsAt),
    isCurrent,
    canCancel: active && now <= r.startsAt,
    canRelease: active && isCurrent && r.startsAt < now,
    canExtend: active && r.endsAt > now && latestEndAt > r.endsAt,
    canCheckIn: r.status === 'BOOKED' && isInCheckInWindow(window, now),
    checkInOpensAt: window.opensAt,
    checkInClosesAt: window.closesAt,
    latestEndAt,
  };
}

/** A wall time by minute of day; a time in a DST gap falls back to the next valid minute hour. */
function safeWallTime(zone: string, date: string, minute: number): Date {
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  try {
    return wallTimeToInstant(zone, parseWallTime(date, hhmm(minute)));
  } catch (error) {
    if (error instanceof WallTimeError && error.reason === 'nonexistent')
      return wallTimeToInstant(zone, parseWallTime(date, hhmm(Math.min(minute + 60, 1439))));
    throw error;
  }
}
