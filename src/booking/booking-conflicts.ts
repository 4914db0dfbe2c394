/**
 * How a refused booking change is told: broken rules as one RULE_VIOLATION, and a clash (found
 * by the pre-check or by the exclusion constraints, which stay the truth) as BOOKING_CONFLICT
 * naming the desk or the person in the way, with free desks on the same floor to try instead.
 */
import type { PrismaClient } from '../db/database.js';
import { pgErrorKind } from '../db/pg-errors.js';
import { RoostError, listOf, msg, rangeIn, sentences, timeIn, zoneAt } from '../errors.js';
import { freeDesksOnFloor } from './availability.js';
import type { RuleViolation } from './booking-rules.js';
import type { Alternative } from './booking-types.js';

export const MAX_ALTERNATIVES = 5;

/** What a booking clashed with: the desk (taken by someone else) or the person (booked elsewhere). */
export type OverlapKind = 'desk' | 'person';

export function ruleError(violations: RuleViolation[]): RoostError {
  const first = violations[0]!;
  const text =
    violations.length === 1
      ? first.message
      : msg('problem.rules.several', { rules: sentencesOf(violations) });
  return new RoostError('RULE_VIOLATION', text, {
    rule: first.rule,
    violations,
  });
}

/** Broken rules one after another, each a sentence. */
const sentencesOf = (violations: RuleViolation[]) => sentences(violations.map((v) => v.message));

/**
 * Thrown inside a transaction when the pre-check finds a clash; turned into a conflict outside,
 * with the free desks the check found when it found them (else they are asked for then).
 */
export class ConflictSignal extends Error {
  constructor(
    readonly taken: OverlapKind,
    readonly alternatives?: Alternative[],
  ) {
    super(`overlap: ${taken}`);
  }
}

/** What a failed change clashed with: the pre-check's signal or an exclusion constraint; else null. */
export function clashOf(error: unknown): OverlapKind | null {
  if (error instanceof ConflictSignal) return error.taken;
  const kind = pgErrorKind(error);
  return kind === 'overlap-desk' ? 'desk' : kind === 'overlap-person' ? 'person' : null;
}

/** Up to five other desks on the floor free for the whole range. */
export function alternatives(
  prisma: PrismaClient,
  floorId: number,
  exceptDeskId: number,
  startsAt: Date,
  endsAt: Date,
): Promise<Alternative[]> {
  return freeDesksOnFloor(prisma, { floorId, exceptDeskId, startsAt, endsAt, limit: MAX_ALTERNATIVES });
}

export function conflictError(
  taken: OverlapKind,
  ctx: { deskLabel: string; zone: string; startsAt: Date; endsAt: Date; forSelf: boolean },
  alternativesFound: Alternative[],
): RoostError {
  const when = rangeIn(ctx.zone, ctx.startsAt, ctx.endsAt);
  const text =
    taken === 'desk'
      ? alternativesFound.length > 0
        ? msg('problem.booking.deskTakenTryThese', {
            desk: ctx.deskLabel,
            when,
            desks: listOf(alternativesFound.map((a) => a.label)),
          })
        : msg('problem.booking.deskTaken', { desk: ctx.deskLabel, when })
      : msg(ctx.forSelf ? 'problem.booking.youOverlap' : 'problem.booking.personOverlaps');
  return new RoostError('BOOKING_CONFLICT', text, { taken, alternatives: alternativesFound }).about('desk');
}

/** An extension clashed: the desk is taken before the new end, or the person is elsewhere. */
export function extendConflictError(
  taken: OverlapKind,
  ctx: { deskLabel: string; zone: string },
  endsAt: Date,
): RoostError {
  const text =
    taken === 'desk'
      ? msg('problem.booking.extendDeskTaken', {
          desk: ctx.deskLabel,
          time: timeIn(ctx.zone, endsAt),
          zone: zoneAt(ctx.zone, endsAt),
        })
      : msg('problem.booking.extendYouOverlap');
  return new RoostError('BOOKING_CONFLICT', text, { taken, alternatives: [] }).about('end');
}
