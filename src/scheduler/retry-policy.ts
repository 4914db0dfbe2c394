/**
 * What to do after a failed EM call (SPEC 8 "Client retry classes").
 *
 * - 26 Busy: the client has already retried it a few times within seconds; the scheduler puts the
 *   action back in the queue with a longer, jittered backoff, so a rush stays a queue.
 * - Transport failures (timeout, refused, HTTP 5xx): the service is away; keep trying for about an
 *   hour, a LOGIN whose booking has ended is skipped anyway.
 * - Transient codes 0, 4, 6, 7, 9, 20, 21, 29: retry a few times, then give up and show a person.
 * - Permanent codes: never retried; they need a configuration change.
 */
import type { EmOutcome } from '../em/index.js';

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

interface Curve {
  baseMs: number;
  capMs: number;
  /** Attempts (claims) after which the action fails for good. */
  maxAttempts: number;
}

export const RETRY_CURVES = {
  busy: { baseMs: 5_000, capMs: 60_000, maxAttempts: 20 },
  transport: { baseMs: 15_000, capMs: 120_000, maxAttempts: 35 },
  transient: { baseMs: 30_000, capMs: 300_000, maxAttempts: 6 },
} as const satisfies Record<string, Curve>;

/**
 * Exponential backoff with jitter in [0.75, 1.25) of the step: spread enough that a rush retried
 * together does not come back together, bounded enough to reason about.
 */
export function backoffMs(curve: Curve, attempts: number, random: () => number = Math.random): number {
  const step = Math.min(curve.capMs, curve.baseMs * 2 ** Math.max(0, attempts - 1));
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
  if (attempts >= curve.maxAttempts) return { retry: false };
  return { retry: true, delayMs: backoffMs(curve, attempts, random) };
}

/** A line for people: "EM code 23 (User does not exist)" or "EM unreachable: timeout after 10000 ms". */
export function describeFailure(failure: Exclude<EmOutcome<unknown>, { ok: true }>): string {
  return failure.kind === 'transport'
    ? `EM unreachable: ${failure.reason}`
    : `EM code ${failure.code} (${failure.meaning})`;
}
