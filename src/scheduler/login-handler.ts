/**
 * LOGIN actions (purpose in action-keys.ts): a booking's own login (BOOKING), a reconciliation
 * re-login (RELOGIN) and a re-arm after an extension (REARM, logout then login so the cluster's
 * Logout Scheduler gets the new end, SPEC 6.3).
 */
import {
  audit,
  clearOccupant,
  coveringNow,
  failureVerdict,
  loginDurationMinutes,
  logoutDevice,
  notePhone,
  sameUser,
  type ActionContext,
  type HandlerDeps,
  type Verdict,
} from './action-context.js';
import { EM_CODE } from '../em/index.js';
import { MINUTE_MS } from '../time/clock.js';

export async function handleLogin(deps: HandlerDeps, ctx: ActionContext): Promise<Verdict> {
  const booking = ctx.booking;
  const now = deps.now();
  if (!booking) return { kind: 'final', state: 'SKIPPED', outcome: 'no booking behind this login' };
  if (booking.status !== 'BOOKED' && booking.status !== 'CHECKED_IN') {
    return { kind: 'final', state: 'SKIPPED', outcome: `booking is ${booking.status.toLowerCase()}` };
  }
  if (booking.endsAt <= now) return { kind: 'final', state: 'SKIPPED', outcome: 'booking already ended' };
  if (booking.deskId !== ctx.phone.deskId) {
    return { kind: 'final', state: 'SKIPPED', outcome: 'the phone is no longer at the booked desk' };
  }
  const userId = booking.user.emUserId;
  if (!userId) {
    return {
      kind: 'final',
      state: 'FAILED',
      outcome: `${booking.user.email} has no EM user ID; an administrator must set one`,
    };
  }
  const rearm = ctx.action.purpose === 'REARM';
  const seen = ctx.seen;

  if (seen?.state === 'loggedIn') {
    if (sameUser(seen.userId, userId)) {
      if (!rearm) {
        // SPEC 7.3: already the intended user; a login would only answer 18.
        await notePhone(deps.prisma, ctx.phone.id, { emUserId: seen.userId ?? userId, emCheckedAt: now });
        return { kind: 'final', state: 'DONE', outcome: `${userId} was already logged in` };
      }
      const out = await logoutDevice(deps, ctx.phone.deviceName);
      if (!out.ok) return failureVerdict(out.failure, 're-arm logout');
    } else if (seen.userId) {
      const cleared = await clearOccupant(deps, ctx, seen.userId);
      if (!cleared.cleared) return cleared.verdict;
    }
  }

  // One round of conflict resolution per attempt: after clearing an occupant (18) or the user's
  // other phone (25) the login is tried once more; anything else goes back to the queue.
  for (let round = 0; ; round++) {
    const minutes = loginDurationMinutes(deps.now(), booking.endsAt);
    const profile = booking.user.deviceProfile;
    const out = await deps.throttled('login', () =>
      deps.client.login(ctx.phone.deviceName, userId, profile ? { profile, minutes } : { minutes }),
    );
    const at = deps.now();
    if (out.ok) {
      await notePhone(deps.prisma, ctx.phone.id, {
        emUserId: userId,
        emLoginAt: at,
        emAutoLogoutAt: new Date(at.getTime() + minutes * MINUTE_MS),
        emCheckedAt: at,
        lastEmCode: null,
        lastEmOutcome: `logged in ${userId}`,
      });
      return {
        kind: 'final',
        state: 'DONE',
        outcome: `logged in ${userId} for ${minutes} min${rearm ? ' (re-armed after a change of end)' : ''}`,
      };
    }
    if (
      out.kind === 'transport' ||
      round > 0 ||
      (out.code !== EM_CODE.ANOTHER_USER_LOGGED_IN && out.code !== EM_CODE.USER_LOGGED_IN_ELSEWHERE)
    ) {
      return failureVerdict(out, 'login');
    }
    if (out.code === EM_CODE.ANOTHER_USER_LOGGED_IN) {
      const q = await deps.client.deviceUserQuery([ctx.phone.deviceName]);
      if (!q.ok) return failureVerdict(q, 'query after 18');
      const occupant = q.value[0];
      if (occupant?.state === 'loggedIn' && sameUser(occupant.userId, userId)) {
        await notePhone(deps.prisma, ctx.phone.id, { emUserId: occupant.userId ?? userId, emCheckedAt: at });
        return { kind: 'final', state: 'DONE', outcome: `${userId} was already logged in` };
      }
      if (occupant?.state === 'loggedIn' && occupant.userId) {
        const cleared = await clearOccupant(deps, ctx, occupant.userId);
        if (!cleared.cleared) return cleared.verdict;
      }
      continue;
    }
    // 25: the user is logged in on another phone (SPEC 7.2, Multiple Logins Not Allowed).
    const elsewhere = await clearElsewhere(deps, ctx, userId, booking.id);
    if (elsewhere) return elsewhere;
  }
}

/**
 * The user holds another phone. A phone covered by a current booking of theirs is theirs to keep
 * (CONFLICT); while our booking has not started yet (an early rush login) we wait for its start.
 * Any other phone is logged out (audited). Returns undefined when the way is clear.
 */
async function clearElsewhere(
  deps: HandlerDeps,
  ctx: ActionContext,
  userId: string,
  bookingId: number,
): Promise<Verdict | undefined> {
  const now = deps.now();
  const q = await deps.client.userDevicesQuery([userId]);
  if (!q.ok) return failureVerdict(q, 'query after 25');
  const others = (q.value[0]?.deviceNames ?? []).filter(
    (d) => d.toLowerCase() !== ctx.phone.deviceName.toLowerCase(),
  );
  for (const deviceName of others) {
    const covering = await deps.prisma.reservation.findFirst({
      where: {
        ...coveringNow(now),
        user: { emUserId: { equals: userId, mode: 'insensitive' } },
        desk: { phone: { deviceName: { equals: deviceName, mode: 'insensitive' } } },
      },
      select: { id: true, endsAt: true },
    });
    if (covering) {
      const booking = ctx.booking;
      if (booking && now < booking.startsAt) {
        return {
          kind: 'wait',
          dueAt: booking.startsAt,
          outcome: `${userId} is still on ${deviceName} (booking #${covering.id}); trying again at the booked start`,
        };
      }
      await audit(
        deps.prisma,
        {
          action: 'phone.user_elsewhere_conflict',
          subjectType: 'phone',
          subjectId: ctx.phone.id,
          details: {
            deviceName: ctx.phone.deviceName,
            userId,
            otherDevice: deviceName,
            otherBookingId: covering.id,
            bookingId,
          },
        },
        now,
      );
      return {
        kind: 'final',
        state: 'CONFLICT',
        emCode: EM_CODE.USER_LOGGED_IN_ELSEWHERE,
        outcome: `${userId} is logged in on ${deviceName}, covered by booking #${covering.id}`,
      };
    }
    const out = await logoutDevice(deps, deviceName);
    if (!out.ok) return failureVerdict(out.failure, `logging ${userId} out of ${deviceName}`);
    await audit(
      deps.prisma,
      {
        action: 'phone.user_logged_out_elsewhere',
        subjectType: 'phone',
        subjectId: ctx.phone.id,
        details: { deviceName: ctx.phone.deviceName, userId, otherDevice: deviceName, bookingId },
      },
      now,
    );
    deps.log.info({ userId, otherDevice: deviceName, jobId: ctx.action.id }, 'user logged out elsewhere');
    await deps.prisma.phone.updateMany({
      where: { deviceName: { equals: deviceName, mode: 'insensitive' } },
      data: { emUserId: null, emLoginAt: null, emAutoLogoutAt: null, emCheckedAt: now },
    });
  }
  return undefined;
}
