/**
 * The one source of "now". Only this module reads the system time; everything else
 * takes a Clock so tests can move time instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ManualClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

/** A clock that stands still until a test moves it. */
export function createManualClock(start: Date | string): ManualClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new Error(`Invalid clock start: ${String(start)}`);
  return {
    now: () => new Date(current),
    set(at) {
      const next = new Date(at).getTime();
      if (Number.isNaN(next)) throw new Error(`Invalid clock time: ${String(at)}`);
      current = next;
    },
    advance(ms) {
      current += ms;
    },
  };
}

/**
 * A clock that starts at a chosen instant and then runs at real speed. The browser tests
 * start Roost on one at a fixed instant, so every page and every phone sees the same date
 * and hour whenever the suite runs, while timers, sessions and the scheduler still move.
 */
export function createRunningClock(startAt: Date | string): Clock {
  const start = new Date(startAt).getTime();
  if (Number.isNaN(start)) throw new Error(`Invalid clock start: ${String(startAt)}`);
  const realStart = Date.now();
  return { now: () => new Date(start + (Date.now() - realStart)) };
}

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
