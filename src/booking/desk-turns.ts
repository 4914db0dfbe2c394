/**
 * Bookings of one desk take turns within this process. When the booking window opens, dozens of
 * requests want the same free desk at once; each would open a transaction, wait for the desk's
 * row lock with a pooled connection held, and then find it taken: four statements and a
 * connection for a refusal. Here a request that finds another booking of the desk in flight
 * waits for that one to settle, then asks again with one read (`afterWaiting`, which refuses if
 * the desk went), all waiters at once, and only a request still in with a chance locks. The row
 * locks and the exclusion constraints still decide, across instances too: this only keeps one
 * instance from queueing against itself.
 */
export function createTurns<K>() {
  const held = new Map<K, Promise<unknown>>();
  return {
    /**
     * Runs `turn` when no other turn for `key` is in flight. If one was, waits for it to settle
     * and runs `afterWaiting` first (which may throw to give up), then tries again.
     */
    async inTurn<T>(key: K, turn: () => Promise<T>, afterWaiting: () => Promise<void>): Promise<T> {
      for (;;) {
        let waited = false;
        for (let other = held.get(key); other; other = held.get(key)) {
          await other.then(noop, noop);
          waited = true;
        }
        if (waited) {
          await afterWaiting();
          // Another waiter took the turn while this one asked: wait for that one too.
          if (held.has(key)) continue;
        }
        const mine = turn();
        held.set(key, mine);
        try {
          return await mine;
        } finally {
          if (held.get(key) === mine) held.delete(key);
        }
      }
    },
    /** Keys with a turn in flight (for tests). */
    get size() {
      return held.size;
    },
  };
}

const noop = () => {};
