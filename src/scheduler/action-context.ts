/**
 * What a login or logout handler gets: the claimed action with its phone and booking, what EM said
 * about the phone just before (one batched deviceUserQuery per claimed batch), and the means to
 * call EM within the cluster's budget. Handlers return a verdict; the scheduler writes it.
 */
import { recordAudit, schedulerActor, type AuditEntry } from '../audit/audit-log.js';
import type { Db, PrismaClient } from '../db/database.js';
import { EM_CODE, type DeviceUser, type EmClient, type EmFailure, type EmOutcome } from '../em/index.js';
import { MINUTE_MS } from '../time/clock.js';
import type { ClaimedAction } from './claim.js';

/** Minutes added to the cluster-side login duration beyond the booking's end (issue #6). */
export const LOGIN_GRACE_MINUTES = 5;

/** Whole minutes from `now` to the booking's end, plus the grace; at least 1 (SPEC 6.1). */
export function loginDurationMinutes(now: Date, endsAt: Date): number {
  return Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / MINUTE_MS) + LOGIN_GRACE_MINUTES);
}

export interface SchedulerLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ActionBooking {
  id: number;
  status: string;
  startsAt: Date;
  endsAt: Date;
  deskId: number;
  user: { id: number; email: string; emUserId: string | null; deviceProfile: string | null };
}

export interface ActionContext {
  action: ClaimedAction;
  phone: { id: number; deviceName: string; deskId: number | null };
  booking: ActionBooking | null;
  /** EM's view of the phone before this batch; undefined when the query failed. */
  seen: DeviceUser | undefined;
}

export interface HandlerDeps {
  prisma: PrismaClient;
  client: EmClient;
  log: SchedulerLog;
  now: () => Date;
  /** Runs a login/logout within the cluster's budget, measuring its latency. */
  throttled<T>(op: 'login' | 'logout', call: () => Promise<EmOutcome<T>>): Promise<EmOutcome<T>>;
}

export type Verdict =
  | {
      kind: 'final';
      state: 'DONE' | 'SKIPPED' | 'FAILED' | 'CONFLICT';
      outcome: string;
      emCode?: number | null;
    }
  | { kind: 'retry'; failure: EmFailure; outcome: string }
  /** Try again at `dueAt` without counting an attempt (e.g. wait for the booking's start). */
  | { kind: 'wait'; dueAt: Date; outcome: string };

export const sameUser = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** Records what Roost learnt about a phone's EM state. */
export async function notePhone(
  prisma: PrismaClient,
  phoneId: number,
  data: {
    emUserId?: string | null;
    emLoginAt?: Date | null;
    emAutoLogoutAt?: Date | null;
    emCheckedAt?: Date;
    lastEmCode?: number | null;
    lastEmOutcome?: string | null;
  },
): Promise<void> {
  await prisma.phone.update({ where: { id: phoneId }, data });
}

export async function audit(prisma: PrismaClient, entry: AuditEntry, at: Date): Promise<void> {
  await recordAudit(prisma, schedulerActor, entry, at);
}

/** Where-clause of a live booking (booked or checked in) that covers `now`. */
export const coveringNow = (now: Date): Db.Prisma.ReservationWhereInput => ({
  status: { in: ['BOOKED', 'CHECKED_IN'] },
  startsAt: { lte: now },
  endsAt: { gt: now },
});

/** A booking of `emUserId` on this desk that covers `now` (it entitles them to the phone). */
export async function currentBookingOnDesk(
  prisma: PrismaClient,
  deskId: number | null,
  emUserId: string,
  now: Date,
): Promise<{ id: number; endsAt: Date } | null> {
  if (deskId === null) return null;
  return prisma.reservation.findFirst({
    where: {
      deskId,
      ...coveringNow(now),
      user: { emUserId: { equals: emUserId, mode: 'insensitive' } },
    },
    select: { id: true, endsAt: true },
  });
}

export const failureVerdict = (failure: EmFailure, what: string): Verdict => ({
  kind: 'retry',
  failure,
  outcome:
    failure.kind === 'transport'
      ? `${what}: EM unreachable (${failure.reason})`
      : `${what}: EM code ${failure.code} (${failure.meaning})`,
});

/** Logs out whoever is on `deviceName`; 19 (nobody there) counts as done (SPEC 7.1). */
export async function logoutDevice(
  deps: HandlerDeps,
  deviceName: string,
): Promise<{ ok: true; wasLoggedIn: boolean } | { ok: false; failure: EmFailure }> {
  const out = await deps.throttled('logout', () => deps.client.logout(deviceName));
  if (out.ok) return { ok: true, wasLoggedIn: true };
  if (out.kind === 'em' && out.code === EM_CODE.NO_USER_LOGGED_IN) return { ok: true, wasLoggedIn: false };
  return { ok: false, failure: out };
}

/**
 * Someone other than the booking's owner is on the phone. An occupant with a booking of this desk
 * covering now keeps it (CONFLICT, shown to staff); anyone else (a walk-up, a leftover login) is
 * logged out. Both decisions are audited.
 */
export async function clearOccupant(
  deps: HandlerDeps,
  ctx: ActionContext,
  occupant: string,
): Promise<{ cleared: true } | { cleared: false; verdict: Verdict }> {
  const now = deps.now();
  const holder = await currentBookingOnDesk(deps.prisma, ctx.phone.deskId, occupant, now);
  const subject = { subjectType: 'phone', subjectId: ctx.phone.id };
  if (holder) {
    await audit(
      deps.prisma,
      {
        action: 'phone.occupied_conflict',
        ...subject,
        details: {
          deviceName: ctx.phone.deviceName,
          occupant,
          occupantBookingId: holder.id,
          bookingId: ctx.booking?.id ?? null,
        },
      },
      now,
    );
    return {
      cleared: false,
      verdict: {
        kind: 'final',
        state: 'CONFLICT',
        emCode: EM_CODE.ANOTHER_USER_LOGGED_IN,
        outcome: `phone occupied by ${occupant}, who holds booking #${holder.id} until ${holder.endsAt.toISOString()}`,
      },
    };
  }
  const out = await logoutDevice(deps, ctx.phone.deviceName);
  if (!out.ok)
    return { cleared: false, verdict: failureVerdict(out.failure, `logging out occupant ${occupant}`) };
  await audit(
    deps.prisma,
    {
      action: 'phone.occupant_logged_out',
      ...subject,
      details: {
        deviceName: ctx.phone.deviceName,
        occupant,
        reason: 'no booking of this desk covers the occupant now (walk-up or leftover login)',
        bookingId: ctx.booking?.id ?? null,
      },
    },
    now,
  );
  deps.log.info({ deviceName: ctx.phone.deviceName, occupant, jobId: ctx.action.id }, 'occupant logged out');
  await notePhone(deps.prisma, ctx.phone.id, {
    emUserId: null,
    emLoginAt: null,
    emAutoLogoutAt: null,
    emCheckedAt: now,
  });
  return { cleared: true };
}
