import type { Clock } from '../time/clock.js';
import { HOUR_MS, MINUTE_MS } from '../time/clock.js';

/**
 * Slows password guessing without handing attackers a way to lock people out (issue 18).
 *
 * Failures are counted under three keys, each with a number of free tries and then a delay
 * that doubles with every further failure, up to `maxDelayMs`:
 * - (account, address): the guesser at one address against one account.
 * - address: one address spraying many accounts.
 * - account: many addresses against one account.
 * An address where the account signed in successfully before ("usual address", remembered for
 * `usualForMs`) is exempt from the address and account keys, so someone else's wrong passwords
 * from another address (or from the same office NAT) never lock the owner out. A key forgets its
 * failures `forgetAfterMs` after its last failure. Kept in memory: each Roost instance throttles on
 * its own (documented in the README).
 */
export interface ThrottleOptions {
  pairFreeTries: number;
  addressFreeTries: number;
  accountFreeTries: number;
  firstDelayMs: number;
  maxDelayMs: number;
  forgetAfterMs: number;
  usualForMs: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = {
  pairFreeTries: 5,
  addressFreeTries: 20,
  accountFreeTries: 50,
  firstDelayMs: 30_000,
  maxDelayMs: 15 * MINUTE_MS,
  forgetAfterMs: 24 * HOUR_MS,
  usualForMs: 30 * 24 * HOUR_MS,
};

interface Entry {
  count: number;
  last: number;
}

/** Delay after `count` failures with `free` free tries: 0, then first, 2x, 4x ... up to max. */
export function delayAfter(count: number, free: number, options: ThrottleOptions): number {
  if (count < free) return 0;
  const doublings = Math.min(count - free, 30);
  return Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** doublings);
}

export function createSignInThrottle(clock: Clock, overrides: Partial<ThrottleOptions> = {}) {
  const options = { ...DEFAULT_THROTTLE, ...overrides };
  const failures = new Map<string, Entry>();
  const usual = new Map<string, number>();
  const norm = (account: string) => account.trim().toLowerCase();
  const now = () => clock.now().getTime();

  const entry = (key: string): Entry | undefined => {
    const e = failures.get(key);
    if (e && now() - e.last > options.forgetAfterMs) {
      failures.delete(key);
      return undefined;
    }
    return e;
  };
  const isUsual = (account: string, address: string) => {
    const at = usual.get(`${account}|${address}`);
    return at !== undefined && now() - at <= options.usualForMs;
  };
  const keysFor = (account: string, address: string) => {
    const keys: [string, number][] = [[`pair:${account}|${address}`, options.pairFreeTries]];
    if (!isUsual(account, address))
      keys.push(
        [`address:${address}`, options.addressFreeTries],
        [`account:${account}`, options.accountFreeTries],
      );
    return keys;
  };
  // Bounds memory under a flood of made-up accounts: the oldest entries go first.
  const prune = () => {
    if (failures.size <= 100_000) return;
    for (const key of [...failures.keys()].slice(0, 10_000)) failures.delete(key);
  };

  return {
    /** Whole seconds to wait before the next try may be checked, or 0 when it may be now. */
    retryAfterSeconds(accountRaw: string, address: string): number {
      const account = norm(accountRaw);
      let waitMs = 0;
      for (const [key, free] of keysFor(account, address)) {
        const e = entry(key);
        if (!e) continue;
        waitMs = Math.max(waitMs, e.last + delayAfter(e.count, free, options) - now());
      }
      return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
    },
    recordFailure(accountRaw: string, address: string): void {
      const account = norm(accountRaw);
      // Always counted on the address and the account, even from a usual address: a usual
      // address is exempt from those keys when checking, not from being counted.
      const keys = new Set([
        ...keysFor(account, address).map(([k]) => k),
        `address:${address}`,
        `account:${account}`,
      ]);
      for (const key of keys) {
        const e = entry(key);
        failures.set(key, { count: (e?.count ?? 0) + 1, last: now() });
      }
      prune();
    },
    recordSuccess(accountRaw: string, address: string): void {
      const account = norm(accountRaw);
      failures.delete(`pair:${account}|${address}`);
      usual.set(`${account}|${address}`, now());
      if (usual.size > 100_000) for (const key of [...usual.keys()].slice(0, 10_000)) usual.delete(key);
    },
  };
}
export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
