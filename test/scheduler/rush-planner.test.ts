import { describe, expect, it } from 'vitest';
import { planLoginStarts } from '../../src/scheduler/rush-planner.js';
import { backoffMs, decideRetry, RETRY_CURVES } from '../../src/scheduler/retry-policy.js';

const T = Date.parse('2026-03-02T08:00:00Z');
const items = (n: number, movable = true) =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, targetAt: T, movable }));

describe('planLoginStarts', () => {
  it('leaves a small group at its booked time', () => {
    expect(planLoginStarts(items(3), { serviceMs: 100, leadMs: 600_000 }).size).toBe(0);
  });

  it('spreads a rush backwards so the last login finishes by the start, within the lead', () => {
    const plan = planLoginStarts(items(500), { serviceMs: 100, leadMs: 600_000, safety: 1 });
    expect(plan.size).toBe(500);
    const dues = [...plan.values()];
    expect(Math.min(...dues)).toBe(T - 50_000);
    expect(Math.max(...dues)).toBeLessThanOrEqual(T - 1000);
    // Enough time between the first due and the start for every login.
    expect(dues.filter((d) => d <= T - 25_000).length).toBeGreaterThanOrEqual(250);
  });

  it('never starts earlier than the lead allows', () => {
    const plan = planLoginStarts(items(500), { serviceMs: 100, leadMs: 10_000, safety: 1 });
    expect(Math.min(...plan.values())).toBe(T - 10_000);
  });

  it('does not move logins of phones still busy before', () => {
    expect(planLoginStarts(items(500, false), { serviceMs: 100, leadMs: 600_000 }).size).toBe(0);
  });

  it('pushes an earlier group earlier when a later one needs its time', () => {
    const early = Array.from({ length: 100 }, (_, i) => ({
      id: 1000 + i,
      targetAt: T - 5_000,
      movable: true,
    }));
    const plan = planLoginStarts([...items(100), ...early], { serviceMs: 100, leadMs: 600_000, safety: 1 });
    expect(Math.min(...early.map((e) => plan.get(e.id)!))).toBe(T - 20_000);
  });
});

describe('retry policy', () => {
  const busy = { ok: false, kind: 'em', code: 26, meaning: 'Busy', retry: 'backoff' } as const;
  const transient = {
    ok: false,
    kind: 'em',
    code: 6,
    meaning: 'Database Error',
    retry: 'transient',
  } as const;
  const permanent = {
    ok: false,
    kind: 'em',
    code: 23,
    meaning: 'User does not exist',
    retry: 'permanent',
  } as const;
  const down = { ok: false, kind: 'transport', reason: 'ECONNREFUSED' } as const;

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(RETRY_CURVES.busy, 1, () => 0.5)).toBe(5_000);
    expect(backoffMs(RETRY_CURVES.busy, 3, () => 0.5)).toBe(20_000);
    expect(backoffMs(RETRY_CURVES.busy, 30, () => 0.5)).toBe(60_000);
    expect(backoffMs(RETRY_CURVES.busy, 1, () => 0)).toBe(3_750);
  });

  it('retries 26, transport and transient failures for good, permanent codes never', () => {
    expect(decideRetry(busy, 1).retry).toBe(true);
    expect(decideRetry(down, 30).retry).toBe(true);
    expect(decideRetry(transient, 5).retry).toBe(true);
    // Only person-needed reasons stop retries (issue 12): transient codes never run out.
    expect(decideRetry(transient, 60).retry).toBe(true);
    expect(decideRetry(down, 10_000)).toMatchObject({ retry: true });
    expect(decideRetry(permanent, 1).retry).toBe(false);
  });
});
