/**
 * Concurrency primitives of the EM client: an adaptive (AIMD) limiter for the per-node
 * login/logout budget of SPEC 10, and a keyed serializer for per-device ordering.
 */

/**
 * A FIFO semaphore whose limit adapts to code 26 ("Busy", SPEC 8/10).
 *
 * The server rejects instead of queueing when its Maximum Concurrent Requests is reached, and the
 * slots we can use are shared with phone-initiated logins we cannot see. So a 26 halves the
 * effective limit (multiplicative decrease) and every success adds 1/limit (additive increase, about
 * one slot per round of successes) up to the configured budget. Several 26 answers to requests sent
 * in the same window count as one congestion signal: a request only lowers the limit if no decrease
 * happened since it was sent (the `epoch` it was sent in is still current).
 */
export class AdaptiveLimiter {
  private limit: number;
  private active = 0;
  private epoch = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('limiter max must be an integer >= 1');
    this.limit = max;
  }

  /** Slots that may be in use right now. */
  get effectiveLimit(): number {
    return Math.max(1, Math.floor(this.limit));
  }

  get inFlight(): number {
    return this.active;
  }

  /** Waits for a slot; returns the congestion epoch to hand back to onBusy. */
  async acquire(): Promise<number> {
    if (this.waiters.length === 0 && this.active < this.effectiveLimit) {
      this.active++;
      return this.epoch;
    }
    // release() increments `active` on our behalf before resolving, so the slot cannot be stolen.
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.epoch;
  }

  release(): void {
    this.active--;
    this.drain();
  }

  onSuccess(): void {
    if (this.limit < this.max) {
      this.limit = Math.min(this.max, this.limit + 1 / this.limit);
      this.drain();
    }
  }

  onBusy(epochAtSend: number): void {
    if (epochAtSend !== this.epoch) return;
    this.epoch++;
    this.limit = Math.max(1, this.limit / 2);
  }

  private drain(): void {
    while (this.active < this.effectiveLimit) {
      const next = this.waiters.shift();
      if (next === undefined) return;
      this.active++;
      next();
    }
  }
}

/** Runs tasks with the same key one after another, in call order; other keys run freely. */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with queued or running work. */
  get size(): number {
    return this.tails.size;
  }
}
