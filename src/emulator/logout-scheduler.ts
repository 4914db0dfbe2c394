/**
 * The Logout Scheduler (SPEC 6.3) plus the paced logoutAll job (SPEC 5.3), both on the
 * emulator's clock. One entry per device; every logout path disarms it so a later login on the
 * same device is never cut short by an old timer.
 *
 * Firing is lazy and exact: whoever looks at the state first (a request, the control plane or
 * the real-time timer) calls runDue(now), which carries out every due event in due order.
 */
import type { MovableClock } from './clock.js';

export interface LogoutAllItem {
  deviceKey: string;
  /** The login being ended; a device re-used since the job started is left alone. */
  loginAt: number;
  dueAt: number;
}

export type DueEvent =
  { kind: 'expiry'; deviceKey: string; dueAt: number } | ({ kind: 'logoutAll' } & LogoutAllItem);

export interface SchedulerSnapshot {
  expiries: { deviceKey: string; dueAt: number }[];
  logoutAll: LogoutAllItem[];
}

/** setTimeout's ceiling; longer waits are re-armed when they elapse. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LogoutScheduler {
  private readonly expiries = new Map<string, number>();
  private logoutAllQueue: LogoutAllItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly clock: MovableClock,
    private readonly tickSec: () => number,
    private readonly perform: (event: DueEvent) => void,
    private readonly afterRun: (events: DueEvent[]) => void,
  ) {}

  arm(deviceKey: string, dueAt: number): void {
    this.expiries.set(deviceKey, dueAt);
    this.rearmTimer();
  }

  disarm(deviceKey: string): void {
    this.expiries.delete(deviceKey);
    this.rearmTimer();
  }

  dueAt(deviceKey: string): number | null {
    return this.expiries.get(deviceKey) ?? null;
  }

  /** Paces one logout per 1/perSecond seconds, the first one slot after acceptance. */
  enqueueLogoutAll(
    targets: { deviceKey: string; loginAt: number }[],
    acceptedAt: number,
    perSecond: number,
  ): void {
    const spacingMs = 1000 / perSecond;
    const tail = this.logoutAllQueue[this.logoutAllQueue.length - 1]?.dueAt ?? acceptedAt;
    const start = Math.max(tail, acceptedAt);
    targets.forEach((target, i) => {
      this.logoutAllQueue.push({ ...target, dueAt: Math.round(start + (i + 1) * spacingMs) });
    });
    this.rearmTimer();
  }

  pendingLogoutAll(): number {
    return this.logoutAllQueue.length;
  }

  /** When an expiry is actually carried out: at the due instant, or the next tick (SPEC 6.3 item 3). */
  private fireAt(dueAt: number): number {
    const tickMs = this.tickSec() * 1000;
    return tickMs > 0 ? Math.ceil(dueAt / tickMs) * tickMs : dueAt;
  }

  private nextEvent(): { event: DueEvent; fireAt: number } | undefined {
    let best: { event: DueEvent; fireAt: number } | undefined;
    for (const [deviceKey, dueAt] of this.expiries) {
      const fireAt = this.fireAt(dueAt);
      if (!best || fireAt < best.fireAt || (fireAt === best.fireAt && dueAt < best.event.dueAt)) {
        best = { event: { kind: 'expiry', deviceKey, dueAt }, fireAt };
      }
    }
    const head = this.logoutAllQueue[0];
    if (head && (!best || head.dueAt < best.fireAt))
      best = { event: { kind: 'logoutAll', ...head }, fireAt: head.dueAt };
    return best;
  }

  /** Carries out every event due at `now`, earliest first; returns them in that order. */
  runDue(now: number): DueEvent[] {
    if (this.running) return [];
    this.running = true;
    const done: DueEvent[] = [];
    try {
      for (;;) {
        const next = this.nextEvent();
        if (!next || next.fireAt > now) break;
        if (next.event.kind === 'expiry') this.expiries.delete(next.event.deviceKey);
        else this.logoutAllQueue.shift();
        this.perform(next.event);
        done.push(next.event);
      }
    } finally {
      this.running = false;
    }
    this.rearmTimer();
    if (done.length > 0) this.afterRun(done);
    return done;
  }

  /** With the system clock, due events also fire on real timers. */
  rearmTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.clock.mode !== 'system') return;
    const next = this.nextEvent();
    if (!next) return;
    const delay = Math.min(Math.max(0, next.fireAt - this.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.runDue(this.clock.now()), delay);
    this.timer.unref();
  }

  snapshot(): SchedulerSnapshot {
    return {
      expiries: [...this.expiries].map(([deviceKey, dueAt]) => ({ deviceKey, dueAt })),
      logoutAll: this.logoutAllQueue.map((item) => ({ ...item })),
    };
  }

  restore(snapshot: SchedulerSnapshot): void {
    this.clear();
    for (const { deviceKey, dueAt } of snapshot.expiries) this.expiries.set(deviceKey, dueAt);
    this.logoutAllQueue = snapshot.logoutAll.map((item) => ({ ...item }));
    this.rearmTimer();
  }

  clear(): void {
    this.expiries.clear();
    this.logoutAllQueue = [];
    this.rearmTimer();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
