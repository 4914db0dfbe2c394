import type { Clock } from '../time/clock.js';

/**
 * Counts failed sign-ins per account and per address in a sliding window. After
 * `maxFailures` the key is refused until the oldest failure leaves the window. Kept in
 * memory: each Roost instance throttles on its own, which bounds guessing at
 * instances x maxFailures per window (documented in the README).
 */
export function createSignInThrottle(
  clock: Clock,
  options = { maxFailures: 5, maxFailuresPerAddress: 20, windowMs: 15 * 60_000 },
) {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = clock.now().getTime() - options.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  const keys = (email: string, address: string) =>
    [`account:${email.trim().toLowerCase()}`, `address:${address}`] as const;
  return {
    /** Seconds to wait before trying again, or 0 when a sign-in may be attempted. */
    retryAfterSeconds(email: string, address: string): number {
      const [account, addr] = keys(email, address);
      const limits: [string, number][] = [
        [account, options.maxFailures],
        [addr, options.maxFailuresPerAddress],
      ];
      let wait = 0;
      for (const [key, max] of limits) {
        const list = recent(key);
        if (list.length >= max) {
          wait = Math.max(
            wait,
            Math.ceil((list[list.length - max]! + options.windowMs - clock.now().getTime()) / 1000),
          );
        }
      }
      return wait;
    },
    recordFailure(email: string, address: string): void {
      for (const key of keys(email, address)) failures.set(key, [...recent(key), clock.now().getTime()]);
    },
    recordSuccess(email: string): void {
      failures.delete(keys(email, '')[0]);
    },
  };
}
export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
