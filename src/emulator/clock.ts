/**
 * The emulator's own clock (SPEC 6.3 item 6). 'system' follows real time plus an offset that
 * `/__sim/clock` moves; 'manual' stands still until moved.
 */
export type ClockMode = 'system' | 'manual';

/** The emulator's own units: it imports nothing of Roost's (src/time included), by design. */
export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;

export interface EmulatorClock {
  now(): number;
}

export interface MovableClock extends EmulatorClock {
  readonly mode: ClockMode;
  set(epochMs: number): void;
  advance(ms: number): void;
}

export function createClock(mode: ClockMode, startAtMs?: number): MovableClock {
  if (mode === 'manual') {
    let current = startAtMs ?? Date.now();
    return {
      mode,
      now: () => current,
      set: (epochMs) => {
        current = epochMs;
      },
      advance: (ms) => {
        current += ms;
      },
    };
  }
  let offset = startAtMs === undefined ? 0 : startAtMs - Date.now();
  return {
    mode,
    now: () => Date.now() + offset,
    set: (epochMs) => {
      offset = epochMs - Date.now();
    },
    advance: (ms) => {
      offset += ms;
    },
  };
}

export function parseInstant(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  // Require a date and an explicit zone so "now" cannot silently mean local time.
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function toIso(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}
