/**
 * The scheduler's counters, in this process's memory, written out in the Prometheus text format
 * (version 0.0.4) by hand: a handful of lines do not need a client library.
 */
export type ActionKindLabel = 'LOGIN' | 'LOGOUT';

const KINDS: ActionKindLabel[] = ['LOGIN', 'LOGOUT'];
const OUTCOMES = ['done', 'skipped', 'retried', 'failed', 'conflict'] as const;
export type ActionOutcomeLabel = (typeof OUTCOMES)[number];

export interface SchedulerMetrics {
  claimed(kind: ActionKindLabel, lagMs: number): void;
  outcome(kind: ActionKindLabel, outcome: ActionOutcomeLabel): void;
  tick(durationMs: number): void;
  tickFailed(): void;
  reconciled(repairs: number): void;
  noShows(count: number): void;
  snapshot(): MetricsSnapshot;
}

export interface MetricsSnapshot {
  claimed: Record<ActionKindLabel, number>;
  outcomes: Record<ActionKindLabel, Record<ActionOutcomeLabel, number>>;
  lagSecondsSum: number;
  lagSecondsCount: number;
  lagSecondsMax: number;
  ticks: number;
  tickFailures: number;
  lastTickSeconds: number;
  reconcileRuns: number;
  reconcileRepairs: number;
  noShows: number;
}

export function createSchedulerMetrics(): SchedulerMetrics {
  const s: MetricsSnapshot = {
    claimed: { LOGIN: 0, LOGOUT: 0 },
    outcomes: {
      LOGIN: { done: 0, skipped: 0, retried: 0, failed: 0, conflict: 0 },
      LOGOUT: { done: 0, skipped: 0, retried: 0, failed: 0, conflict: 0 },
    },
    lagSecondsSum: 0,
    lagSecondsCount: 0,
    lagSecondsMax: 0,
    ticks: 0,
    tickFailures: 0,
    lastTickSeconds: 0,
    reconcileRuns: 0,
    reconcileRepairs: 0,
    noShows: 0,
  };
  return {
    claimed(kind, lagMs) {
      s.claimed[kind]++;
      const lag = Math.max(0, lagMs) / 1000;
      s.lagSecondsSum += lag;
      s.lagSecondsCount++;
      s.lagSecondsMax = Math.max(s.lagSecondsMax, lag);
    },
    outcome(kind, outcome) {
      s.outcomes[kind][outcome]++;
    },
    tick(durationMs) {
      s.ticks++;
      s.lastTickSeconds = durationMs / 1000;
    },
    tickFailed() {
      s.tickFailures++;
    },
    reconciled(repairs) {
      s.reconcileRuns++;
      s.reconcileRepairs += repairs;
    },
    noShows(count) {
      s.noShows += count;
    },
    snapshot: () => structuredClone(s),
  };
}

/** Gauges read from the database at scrape time (shared by every instance). */
export interface QueueGauges {
  /** PENDING actions whose due time has passed. */
  dueNow: number;
  /** Seconds the oldest of them is behind its due time. */
  oldestDueSeconds: number;
  failed: number;
  conflicts: number;
}

function line(name: string, value: number, labels?: Record<string, string>): string {
  const l = labels
    ? `{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`)
        .join(',')}}`
    : '';
  return `${name}${l} ${Number.isFinite(value) ? value : 0}`;
}

function header(name: string, type: 'counter' | 'gauge' | 'summary', help: string): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
}

export function renderPrometheus(
  snapshot: MetricsSnapshot | undefined,
  gauges: QueueGauges | undefined,
): string {
  const out: string[] = [];
  if (snapshot) {
    out.push(
      ...header(
        'roost_phone_actions_claimed_total',
        'counter',
        'Phone actions taken up because they were due.',
      ),
    );
    for (const kind of KINDS)
      out.push(line('roost_phone_actions_claimed_total', snapshot.claimed[kind], { kind }));
    out.push(...header('roost_phone_actions_total', 'counter', 'Phone action attempts by outcome.'));
    for (const kind of KINDS)
      for (const outcome of OUTCOMES)
        out.push(line('roost_phone_actions_total', snapshot.outcomes[kind][outcome], { kind, outcome }));
    out.push(
      ...header(
        'roost_phone_action_lag_seconds',
        'summary',
        'How late actions were taken up after their due time.',
      ),
      line('roost_phone_action_lag_seconds_sum', snapshot.lagSecondsSum),
      line('roost_phone_action_lag_seconds_count', snapshot.lagSecondsCount),
      ...header('roost_phone_action_lag_seconds_max', 'gauge', 'Largest lag seen since start.'),
      line('roost_phone_action_lag_seconds_max', snapshot.lagSecondsMax),
      ...header('roost_scheduler_ticks_total', 'counter', 'Scheduler ticks run.'),
      line('roost_scheduler_ticks_total', snapshot.ticks),
      ...header('roost_scheduler_tick_failures_total', 'counter', 'Scheduler ticks that threw.'),
      line('roost_scheduler_tick_failures_total', snapshot.tickFailures),
      ...header('roost_scheduler_last_tick_seconds', 'gauge', 'Duration of the last tick.'),
      line('roost_scheduler_last_tick_seconds', snapshot.lastTickSeconds),
      ...header('roost_scheduler_reconcile_runs_total', 'counter', 'Reconciliation passes against EM.'),
      line('roost_scheduler_reconcile_runs_total', snapshot.reconcileRuns),
      ...header(
        'roost_scheduler_reconcile_repairs_total',
        'counter',
        'Drift repairs queued by reconciliation.',
      ),
      line('roost_scheduler_reconcile_repairs_total', snapshot.reconcileRepairs),
      ...header('roost_bookings_no_show_total', 'counter', 'Bookings released as no-shows.'),
      line('roost_bookings_no_show_total', snapshot.noShows),
    );
  }
  if (gauges) {
    out.push(
      ...header('roost_phone_actions_due', 'gauge', 'Pending phone actions whose due time has passed.'),
      line('roost_phone_actions_due', gauges.dueNow),
      ...header(
        'roost_phone_actions_due_oldest_seconds',
        'gauge',
        'How far the oldest due action is behind.',
      ),
      line('roost_phone_actions_due_oldest_seconds', gauges.oldestDueSeconds),
      ...header('roost_phone_actions_failed', 'gauge', 'Phone actions in state FAILED.'),
      line('roost_phone_actions_failed', gauges.failed),
      ...header('roost_phone_actions_conflict', 'gauge', 'Phone actions in state CONFLICT.'),
      line('roost_phone_actions_conflict', gauges.conflicts),
    );
  }
  return out.join('\n') + '\n';
}
