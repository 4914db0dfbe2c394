import { recordAudit } from '../audit/audit-log.js';
import type { Db, PrismaClient } from '../db/database.js';
import { pgErrorKind } from '../db/pg-errors.js';
import type { SqlDatabase } from '../db/sql.js';
import { RoostError, invalidInput, msg, notFound, timeIn, zoneAt } from '../errors.js';
import {
  cancelPhoneActions,
  movePhoneActions,
  moveLogout,
  schedulePhoneActionsMany,
} from '../scheduler/jobs.js';
import type { Clock } from '../time/clock.js';
import { DAY_MS } from '../time/clock.js';
import { addDays, localDate, startOfLocalDay } from '../time/zones.js';
import { overlappingForDesk, overlappingForUser } from './availability.js';
import {
  ConflictSignal,
  MAX_ALTERNATIVES,
  alternatives,
  clashOf,
  conflictError,
  extendConflictError,
  ruleError,
} from './booking-conflicts.js';
import {
  STAFF_WAIVABLE_RULES,
  checkBookingRules,
  checkInWindow,
  checkRange,
  isInCheckInWindow,
  localRange,
  policyOf,
  type RuleViolation,
} from './booking-rules.js';
import {
  checkForBooking,
  deskExists,
  insertReservation,
  lockForBooking,
  peekForBooking,
  type BookingFacts,
} from './booking-locks.js';
import { createTurns } from './desk-turns.js';
import {
  isStaffActor,
  type BookingActor,
  type BookingService,
  type Logger,
  type Reservation,
  type SeriesResult,
  type Tx,
} from './booking-types.js';

/** Longest range a booking request may name before it is refused as absurd (before policy). */
const MAX_REQUEST_RANGE_MS = 31 * DAY_MS;
/** Longest range the availability question may span. */
const MAX_SERIES_DATES = 62;
const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

export type BookingCommands = Pick<
  BookingService,
  'book' | 'bookSeries' | 'cancel' | 'release' | 'extend' | 'checkIn' | 'move'
>;

export function createBookingCommands(deps: {
  prisma: PrismaClient;
  /** The same database in plain SQL, for the new booking's own path (booking-locks.ts). */
  sql: SqlDatabase;
  clock: Clock;
  log?: Logger;
}): BookingCommands {
  const { prisma, sql, clock } = deps;
  const deskTurns = createTurns<number>();

  /** Runs `attempt`, once or twice more after a deadlock or serialization failure. */
  async function retried<T>(attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (n >= 3 || pgErrorKind(error) !== 'retryable') throw error;
        deps.log?.warn({ attempt: n }, 'booking transaction retried');
      }
    }
  }
  /** A change to existing bookings: one Prisma transaction. */
  const inTransaction = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    retried(() => prisma.$transaction((tx) => fn(tx), TX_OPTIONS));

  async function loadDesk(db: Tx, deskId: number) {
    const desk = await db.desk.findUnique({
      where: { id: deskId },
      include: { floor: { include: { site: { include: { policy: true } } } }, phone: true },
    });
    if (!desk) throw notFound('desk', deskId);
    return desk;
  }

  type Owned = Awaited<ReturnType<typeof lockOwned>>;

  /** Loads a reservation under a row lock and checks the actor may act on it. */
  async function lockOwned(tx: Tx, actor: BookingActor, reservationId: number) {
    await tx.$queryRaw`SELECT "id" FROM "Reservation" WHERE "id" = ${reservationId} FOR UPDATE`;
    const r = await tx.reservation.findUnique({
      where: { id: reservationId },
      include: { desk: { include: { floor: { include: { site: { include: { policy: true } } } } } } },
    });
    if (!r || (!isStaffActor(actor) && r.userId !== actor.id)) throw notFound('booking', reservationId);
    return r;
  }

  const isActive = (status: Reservation['status']) => status === 'BOOKED' || status === 'CHECKED_IN';

  const mustBeActive = (r: { status: Reservation['status'] }) => {
    if (!isActive(r.status)) throw invalidInput(msg('problem.booking.alreadyInStatus', { status: r.status }));
  };

  /**
   * The one path every change to an existing booking takes, in one transaction: lock (the
   * target desk first when there is one, then the booking) and check the actor may act on
   * it; `guard` refuses what the rules refuse; `change` is the update; `phone` moves the
   * phone actions with it; `audit` says what to record.
   */
  async function changeReservation(
    actor: BookingActor,
    reservationId: number,
    steps: {
      lockDeskId?: number;
      guard(r: Owned, now: Date, tx: Tx): void | Promise<void>;
      change(r: Owned, now: Date): Db.Prisma.ReservationUncheckedUpdateInput;
      phone?(tx: Tx, r: Owned, updated: Reservation, now: Date): Promise<unknown>;
      audit(r: Owned, updated: Reservation, now: Date): { action: string; details?: Record<string, unknown> };
    },
  ): Promise<Reservation> {
    const now = clock.now();
    return inTransaction(async (tx) => {
      if (steps.lockDeskId !== undefined) {
        const locked = await tx.$queryRaw<
          { id: number }[]
        >`SELECT "id" FROM "Desk" WHERE "id" = ${steps.lockDeskId} FOR UPDATE`;
        if (locked.length === 0) throw notFound('desk', steps.lockDeskId);
      }
      const r = await lockOwned(tx, actor, reservationId);
      await steps.guard(r, now, tx);
      const updated = await tx.reservation.update({
        where: { id: r.id },
        data: { ...steps.change(r, now), updatedById: actor.id },
      });
      await steps.phone?.(tx, r, updated, now);
      const { action, details } = steps.audit(r, updated, now);
      await recordAudit(
        tx,
        actor,
        { action, subjectType: 'Reservation', subjectId: r.id, ...(details ? { details } : {}) },
        now,
      );
      return updated;
    });
  }

  async function book(input: Parameters<BookingService['book']>[0]): Promise<Reservation> {
    const { actor, userId, deskId, startsAt, endsAt } = input;
    checkRange(startsAt, endsAt, MAX_REQUEST_RANGE_MS, 'booking');
    if (!isStaffActor(actor) && actor.id !== userId)
      throw new RoostError('FORBIDDEN', msg('problem.booking.onlyForYourself'));
    const enforce = input.enforcePolicy ?? true;
    if (!enforce && !isStaffActor(actor))
      throw new RoostError('FORBIDDEN', msg('problem.booking.onlyStaffWaive'));
    const now = clock.now();
    const ctx: { current: { deskLabel: string; zone: string; floorId: number } | null } = { current: null };
    const bindingOf = (vs: RuleViolation[]) =>
      enforce ? vs : vs.filter((v) => !STAFF_WAIVABLE_RULES.has(v.rule));
    const rulesOf = (facts: BookingFacts, otherBookingsThatDay: number) =>
      checkBookingRules({
        policy: facts.policy,
        zone: facts.zone,
        startsAt,
        endsAt,
        now,
        desk: { label: facts.label, bookable: facts.bookable },
        otherBookingsThatDay,
      });
    // The common refusal, without a transaction: the desk or the person is taken already (with
    // the calendar rules met, so the answer is the one the locked path would give).
    const refuseIfTaken = async () => {
      const peek = await peekForBooking(sql, {
        deskId,
        userId,
        startsAt,
        endsAt,
        alternatives: MAX_ALTERNATIVES,
      });
      if (peek && !peek.userDisabled && bindingOf(rulesOf(peek, 0)).length === 0) {
        ctx.current = { deskLabel: peek.label, zone: peek.zone, floorId: peek.floorId };
        if (peek.deskTaken)
          throw conflictError(
            'desk',
            { ...ctx.current, startsAt, endsAt, forSelf: actor.id === userId },
            peek.alternatives,
          );
        if (peek.personTaken) throw new ConflictSignal('person');
      }
    };
    const lockAndBook = () =>
      retried(() =>
        sql.transaction(async (tx) => {
          // Bookings of one desk, and of one person, queue behind each other here: one
          // statement locks the desk row, then the person's (the lock marks follow the FROM
          // list, so two bookings cannot wait on each other in a cycle; a deadlock would be
          // retried anyway), and returns everything the rules need. The checks below run in
          // the next statement, so they see every earlier winner; the constraints stay the truth.
          const facts = await lockForBooking(tx, deskId, userId);
          if (!facts)
            throw (await deskExists(tx, deskId)) ? notFound('person', userId) : notFound('desk', deskId);
          if (facts.userDisabled) throw notFound('person', userId);
          const zone = facts.zone;
          ctx.current = { deskLabel: facts.label, zone, floorId: facts.floorId };
          // Calendar rules first, without a round trip; an overlap next (it names the desk or
          // booking in the way); the daily quota last, since an overlap usually explains it better.
          const rulesWith = (otherBookingsThatDay: number) => rulesOf(facts, otherBookingsThatDay);
          const calendar = bindingOf(rulesWith(0));
          if (calendar.length > 0) throw ruleError(calendar);
          const day = localDate(zone, startsAt);
          const checks = await checkForBooking(tx, {
            deskId,
            userId,
            startsAt,
            endsAt,
            dayStartsAt: startOfLocalDay(zone, day),
            dayEndsAt: startOfLocalDay(zone, addDays(day, 1)),
            floorId: facts.floorId,
            alternatives: MAX_ALTERNATIVES,
          });
          if (checks.deskTaken) throw new ConflictSignal('desk', checks.alternatives);
          if (checks.personTaken) throw new ConflictSignal('person');
          const violations = rulesWith(checks.otherBookingsThatDay);
          const binding = bindingOf(violations);
          if (binding.length > 0) throw ruleError(binding);

          const reservation = await insertReservation(tx, {
            deskId,
            userId,
            startsAt,
            endsAt,
            createdById: actor.id,
            updatedById: actor.id,
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
        }),
      );
    try {
      await refuseIfTaken();
      // After waiting for another booking of this desk, most likely it got the desk: ask again.
      return await deskTurns.inTurn(deskId, lockAndBook, refuseIfTaken);
    } catch (error) {
      const taken = clashOf(error);
      if (!taken) throw error;
      let desk = ctx.current;
      if (!desk) {
        const d = await loadDesk(prisma, deskId);
        desk = { deskLabel: d.label, zone: d.floor.site.timeZone, floorId: d.floorId };
      }
      const found = error instanceof ConflictSignal ? error.alternatives : undefined;
      const alts =
        taken === 'desk'
          ? (found ?? (await alternatives(prisma, desk.floorId, deskId, startsAt, endsAt)))
          : [];
      throw conflictError(taken, { ...desk, startsAt, endsAt, forSelf: actor.id === userId }, alts);
    }
  }

  return {
    book,

    async bookSeries(input) {
      const dates = [...new Set(input.dates)].sort();
      if (dates.length === 0) throw invalidInput(msg('problem.booking.seriesNoDay')).about('weekdays');
      if (dates.length > MAX_SERIES_DATES)
        throw invalidInput(msg('problem.booking.seriesTooMany', { max: MAX_SERIES_DATES })).about('weeks');
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
            result.refused.push({ date, reason: error.text, rule });
          } else {
            throw error;
          }
        }
      }
      return result;
    },

    cancel: ({ actor, reservationId }) =>
      changeReservation(actor, reservationId, {
        guard(r, now) {
          mustBeActive(r);
          if (r.startsAt < now) throw invalidInput(msg('problem.booking.alreadyStarted'));
        },
        change: () => ({ status: 'CANCELLED' }),
        phone: (tx, r, _updated, now) => cancelPhoneActions(tx, r.id, now),
        audit: (r) => ({ action: 'reservation.cancel', details: { userId: r.userId } }),
      }),

    release: ({ actor, reservationId }) =>
      changeReservation(actor, reservationId, {
        guard(r, now) {
          mustBeActive(r);
          if (r.endsAt <= now) throw invalidInput(msg('problem.booking.alreadyEnded'));
          if (r.startsAt >= now) throw invalidInput(msg('problem.booking.notStartedYet'));
        },
        change: (_r, now) => ({ status: 'RELEASED', endsAt: now }),
        phone: (tx, r, _updated, now) => moveLogout(tx, r.id, now),
        audit: (r, _updated, now) => ({
          action: 'reservation.release',
          details: { before: { endsAt: r.endsAt.toISOString() }, after: { endsAt: now.toISOString() } },
        }),
      }),

    async extend({ actor, reservationId, endsAt }) {
      if (Number.isNaN(endsAt.getTime()))
        throw invalidInput(msg('problem.booking.invalidNewEnd')).about('end');
      let ctx: { deskLabel: string; zone: string } | null = null;
      try {
        return await changeReservation(actor, reservationId, {
          async guard(r, now, tx) {
            const zone = r.desk.floor.site.timeZone;
            ctx = { deskLabel: r.desk.label, zone };
            mustBeActive(r);
            if (r.endsAt <= now) throw invalidInput(msg('problem.booking.alreadyEnded'));
            if (endsAt <= r.endsAt)
              throw invalidInput(
                msg('problem.booking.extendAfterEnd', {
                  time: timeIn(zone, r.endsAt),
                  zone: zoneAt(zone, r.endsAt),
                }),
              ).about('end');
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
          },
          change: () => ({ endsAt }),
          phone: (tx, r) => moveLogout(tx, r.id, endsAt),
          audit: (r) => ({
            action: 'reservation.extend',
            details: { before: { endsAt: r.endsAt.toISOString() }, after: { endsAt: endsAt.toISOString() } },
          }),
        });
      } catch (error) {
        const taken = clashOf(error);
        const c = ctx as { deskLabel: string; zone: string } | null;
        if (!taken || !c) throw error;
        throw extendConflictError(taken, c, endsAt);
      }
    },

    checkIn: ({ actor, reservationId }) =>
      changeReservation(actor, reservationId, {
        guard(r, now) {
          if (r.status === 'CHECKED_IN') throw invalidInput(msg('problem.booking.alreadyCheckedIn'));
          if (r.status !== 'BOOKED')
            throw invalidInput(msg('problem.booking.inStatus', { status: r.status }));
          const zone = r.desk.floor.site.timeZone;
          const window = checkInWindow(policyOf(r.desk.floor.site), r);
          if (!isInCheckInWindow(window, now)) {
            const window_ = {
              opens: timeIn(zone, window.opensAt),
              closes: timeIn(zone, window.closesAt),
              zone: zoneAt(zone, window.opensAt),
            };
            throw new RoostError(
              'RULE_VIOLATION',
              msg(
                now < window.opensAt ? 'problem.booking.checkInNotYet' : 'problem.booking.checkInClosed',
                window_,
              ),
              { rule: 'check-in-window' },
            );
          }
        },
        change: (_r, now) => ({ status: 'CHECKED_IN', checkedInAt: now }),
        audit: () => ({ action: 'reservation.check-in' }),
      }),

    async move({ actor, reservationId, deskId }) {
      let ctx: { deskLabel: string; zone: string; floorId: number; startsAt: Date; endsAt: Date } | null =
        null;
      try {
        return await changeReservation(actor, reservationId, {
          lockDeskId: deskId,
          async guard(r, now, tx) {
            const target = await loadDesk(tx, deskId);
            const zone = target.floor.site.timeZone;
            ctx = {
              deskLabel: target.label,
              zone,
              floorId: target.floorId,
              startsAt: r.startsAt,
              endsAt: r.endsAt,
            };
            mustBeActive(r);
            if (r.endsAt <= now) throw invalidInput(msg('problem.booking.alreadyEnded'));
            if (r.deskId === deskId)
              throw invalidInput(msg('problem.booking.alreadyOnDesk', { desk: target.label })).about(
                'deskId',
              );
            if (target.floor.siteId !== r.desk.floor.siteId)
              throw invalidInput(msg('problem.booking.moveOtherSite')).about('deskId');
            if (!target.bookable)
              throw ruleError([
                {
                  rule: 'desk-not-bookable',
                  message: msg('problem.rules.deskOutOfUse', { desk: target.label }),
                },
              ]);
            if (await overlappingForDesk(tx, deskId, r.startsAt, r.endsAt, r.id))
              throw new ConflictSignal('desk');
          },
          change: () => ({ deskId }),
          phone: (tx, _r, updated, now) => movePhoneActions(tx, updated, now),
          audit: (r) => ({
            action: 'reservation.move',
            details: { before: { deskId: r.deskId }, after: { deskId } },
          }),
        });
      } catch (error) {
        const taken = clashOf(error);
        const c = ctx as {
          deskLabel: string;
          zone: string;
          floorId: number;
          startsAt: Date;
          endsAt: Date;
        } | null;
        if (!taken || !c) throw error;
        const alts = await alternatives(prisma, c.floorId, deskId, c.startsAt, c.endsAt);
        throw conflictError(taken, { ...c, forSelf: false }, alts);
      }
    },
  };
}
