/**
 * The identity of a phone action: why it exists (`purpose`), its place among actions of the same
 * purpose (`seq`) and the idempotency key that keeps writing it twice harmless. This module is the
 * only place that builds a key; nothing parses one. Code and SQL ask `purpose` and `seq` instead.
 */
export type ActionPurpose = 'BOOKING' | 'RELOGIN' | 'REARM' | 'DRIFT' | 'RETIRED';

export interface ActionIdentity {
  idempotencyKey: string;
  purpose: ActionPurpose;
  seq: number;
}

/** A booking's own login or logout: one of each per booking. */
export const bookingAction = (kind: 'LOGIN' | 'LOGOUT', reservationId: number): ActionIdentity => ({
  idempotencyKey: `r${reservationId}:${kind === 'LOGIN' ? 'login' : 'logout'}`,
  purpose: 'BOOKING',
  seq: 0,
});

/** The `seq`-th re-login reconciliation queued for a booking (from 1). */
export const reloginAction = (reservationId: number, seq: number): ActionIdentity => ({
  idempotencyKey: `r${reservationId}:relogin:${seq}`,
  purpose: 'RELOGIN',
  seq,
});

/** The `seq`-th re-arm (logout + login with the new end) of an extended booking (from 1). */
export const rearmAction = (reservationId: number, seq: number): ActionIdentity => ({
  idempotencyKey: `r${reservationId}:rearm:${seq}`,
  purpose: 'REARM',
  seq,
});

/** A logout of a phone that holds someone with no booking behind it, found at `at`. */
export const driftAction = (phoneId: number, at: Date): ActionIdentity => ({
  idempotencyKey: `p${phoneId}:drift:${at.getTime()}`,
  purpose: 'DRIFT',
  seq: 0,
});

/**
 * A booking's own action left on the old phone when the booking moved desk at `at`: it keeps its
 * history under a new key, so the booking's own keys can follow it to the new phone.
 */
export const retiredAction = (action: { idempotencyKey: string; seq: number }, at: Date): ActionIdentity => ({
  idempotencyKey: `${action.idempotencyKey}:moved@${at.getTime()}`,
  purpose: 'RETIRED',
  seq: action.seq,
});
