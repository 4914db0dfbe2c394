/**
 * What to do after a failed EM call (SPEC 8 "Client retry classes"). Issue 12: only a reason that
 * needs a person stops the automatic retries; everything the cluster itself gets over is retried
 * for as long as the action matters (a LOGIN whose booking has ended is skipped by its handler).
 *
 * - Transport failures (timeout, refused, HTTP 5xx): the node is away. The EM cluster client
 *   takes it out of rotation and probes it; while no node answers the scheduler claims nothing
 *   for the cluster, so the short curve here only spaces attempts while some node answers.
 * - 26 Busy: the client has already retried it a few times within seconds; the action goes back
 *   in the queue with a longer, jittered backoff, so a rush stays a queue.
 * - Transient codes 0, 4, 6, 7, 9, 20, 21, 29 (database, RIS, hoteling trouble on the cluster):
 *   a longer curve, never given up.
 * - Permanent codes (device or user unknown, EM disabled, bad credentials, ...) need a person: the
 *   action goes FAILED, and housekeeping tries it again when staff change the phone, desk, person
 *   or cluster, and at least every REVIVE_AFTER_MINUTES.
 */
import type { EmOutcome } from '../em/index.js';
import { MINUTE_MS } from '../time/clock.js';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

interface Curve {
  baseMs: number;
  capMs: number;
}

export const RETRY_CURVES = {
  busy: { baseMs: 5_000, capMs: MINUTE_MS },
  transport: { baseMs: 2_000, capMs: 10_000 },
  transient: { baseMs: 30_000, capMs: 300_000 },
} as const satisfies Record<string, Curve>;

/** A FAILED (person-needed) or CONFLICT action is tried again at least this often. */
export const REVIVE_AFTER_MINUTES = 15;

/**
 * Exponential backoff with jitter in [0.75, 1.25) of the step: spread enough that a rush retried
 * together does not come back together, bounded enough to reason about.
 */
export function backoffMs(curve: Curve, attempts: number, random: () => number = Math.random): number {
  const step = Math.min(curve.capMs, curve.baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
  return Math.round(step * (0.75 + random() * 0.5));
}

/** `attempts` counts this one (the claim increments it). */
export function decideRetry(
  failure: Exclude<EmOutcome<unknown>, { ok: true }>,
  attempts: number,
  random: () => number = Math.random,
): RetryDecision {
  let curve: Curve;
  if (failure.kind === 'transport') curve = RETRY_CURVES.transport;
  else if (failure.retry === 'backoff') curve = RETRY_CURVES.busy;
  else if (failure.retry === 'transient') curve = RETRY_CURVES.transient;
  else return { retry: false };
  return { retry: true, delayMs: backoffMs(curve, attempts, random) };
}

/** Whether a failure needs a person (it stops automatic retries until something changes). */
export const needsPerson = (failure: Exclude<EmOutcome<unknown>, { ok: true }>): boolean =>
  failure.kind === 'em' && failure.retry !== 'backoff' && failure.retry !== 'transient';

/** A line for people: "EM code 23 (User does not exist)" or "EM unreachable: timeout after 10000 ms". */
export function describeFailure(failure: Exclude<EmOutcome<unknown>, { ok: true }>): string {
  return failure.kind === 'transport'
    ? `EM unreachable: ${failure.reason}`
    : `EM code ${failure.code} (${failure.meaning})`;
}
