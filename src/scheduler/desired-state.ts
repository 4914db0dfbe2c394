/**
 * Level-triggered phone scheduling (issue 12): at every moment the desired state of each phone
 * follows from the bookings (who should be logged in now, or nobody), the observed state comes from
 * EM, and the scheduler keeps driving observed to desired. Phone actions are the means and the
 * history, not the truth. `decide` is the pure heart of reconciliation: given both, what to queue.
 */

export interface Desired {
  /** The booking covering now on the phone's desk, if any, with its person's EM user ID. */
  current: { bookingId: number; userId: string | null } | null;
  /** EM user IDs of bookings on the desk starting within the cluster's login lead. */
  upcoming: string[];
}

export interface Observed {
  /** EM's answer for the phone; `unknown` when the device does not exist on the cluster. */
  em: { state: 'loggedIn'; userId: string | null } | { state: 'free' } | { state: 'unknown' };
  /** Work on the phone is running or due within a minute: let it run before judging. */
  workQueued: boolean;
  /** State of the current booking's own login on this phone, if it has one here. */
  ownLogin: string | null;
  /** A logout of this phone for the same reason failed for a reason needing a person within the hour. */
  driftFailedRecently: boolean;
}

export type Decision =
  | { kind: 'none'; why: string }
  | { kind: 'login'; bookingId: number; userId: string }
  | { kind: 'logout'; occupant: string };

const same = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase();

export function decide(desired: Desired, observed: Observed): Decision {
  if (observed.em.state === 'unknown') return { kind: 'none', why: 'EM does not know the phone' };
  if (observed.workQueued) return { kind: 'none', why: 'work is queued on the phone' };
  const occupant = observed.em.state === 'loggedIn' ? observed.em.userId : null;
  const current = desired.current;
  if (current) {
    if (!current.userId) return { kind: 'none', why: 'the person has no EM user ID (needs a person)' };
    if (same(occupant, current.userId)) return { kind: 'none', why: 'as desired' };
    // FAILED waits for a person (housekeeping revives it); CANCELLED means no login was wanted.
    if (observed.ownLogin === 'FAILED') return { kind: 'none', why: 'the login waits for a person' };
    if (observed.ownLogin === 'CANCELLED') return { kind: 'none', why: 'no login wanted' };
    return { kind: 'login', bookingId: current.bookingId, userId: current.userId };
  }
  if (!occupant) return { kind: 'none', why: 'as desired' };
  // An early (rush) login of a booking about to start is not drift.
  if (desired.upcoming.some((u) => same(u, occupant))) return { kind: 'none', why: 'early login' };
  if (observed.driftFailedRecently) return { kind: 'none', why: 'a logout of this phone needs a person' };
  return { kind: 'logout', occupant };
}
