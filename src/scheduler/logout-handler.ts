/**
 * LOGOUT actions: a booking's end (`r<id>:logout`, moved by release, cancel after start, no-show
 * and extension) and reconciliation's drift logouts (purpose DRIFT, no booking).
 * Code 19 means nobody is logged in: the goal is reached (SPEC 6.2 "Client rule").
 */
import { EM_CODE } from '../em/index.js';
import {
  currentBookingOnDesk,
  failureVerdict,
  logoutDevice,
  notePhone,
  sameUser,
  type ActionContext,
  type HandlerDeps,
  type Verdict,
} from './action-context.js';

export async function handleLogout(deps: HandlerDeps, ctx: ActionContext): Promise<Verdict> {
  const now = deps.now();
  const seen = ctx.seen;
  if (seen?.state === 'free') {
    await notePhone(deps.prisma, ctx.phone.id, {
      emUserId: null,
      emLoginAt: null,
      emAutoLogoutAt: null,
      emCheckedAt: now,
    });
    return { kind: 'final', state: 'DONE', outcome: 'nobody was logged in' };
  }
  if (seen?.state === 'loggedIn' && seen.userId && !sameUser(seen.userId, ctx.booking?.user.emUserId)) {
    // Not the person this logout is for: leave someone whose booking of this desk covers now.
    const holder = await currentBookingOnDesk(deps.prisma, ctx.phone.deskId, seen.userId, now);
    if (holder) {
      return {
        kind: 'final',
        state: 'SKIPPED',
        outcome: `left ${seen.userId} logged in: booking #${holder.id} covers now`,
      };
    }
  }
  const out = await logoutDevice(deps, ctx.phone.deviceName);
  const at = deps.now();
  if (!out.ok) return failureVerdict(out.failure, 'logout');
  await notePhone(deps.prisma, ctx.phone.id, {
    emUserId: null,
    emLoginAt: null,
    emAutoLogoutAt: null,
    emCheckedAt: at,
    lastEmCode: out.wasLoggedIn ? null : EM_CODE.NO_USER_LOGGED_IN,
    lastEmOutcome: out.wasLoggedIn ? 'logged out' : 'already logged out (19)',
  });
  return out.wasLoggedIn
    ? { kind: 'final', state: 'DONE', outcome: `logged out${seen?.userId ? ` ${seen.userId}` : ''}` }
    : {
        kind: 'final',
        state: 'DONE',
        emCode: EM_CODE.NO_USER_LOGGED_IN,
        outcome: 'already logged out (EM code 19)',
      };
}
