/**
 * Recording what happened to a claimed action: a final state, a wait (no attempt counted), or a
 * retry with backoff (retry-policy.ts). Every write is fenced by the lease (claim.ts).
 */
import type { EmFailure } from '../em/index.js';
import type { ActionContext, Verdict } from './action-context.js';
import { finishAction, rescheduleAction, type ClaimedAction } from './claim.js';
import { phoneProblemOf, type PhoneProblem } from './phone-problems.js';
import { decideRetry } from './retry-policy.js';
import type { SchedulerContext } from './scheduler-context.js';

export function createOutcomes(ctx: SchedulerContext) {
  const { prisma, clock, log, metrics, random } = ctx;

  function loginGaveUp(action: ClaimedAction, outcome: string, problem: PhoneProblem): void {
    if (action.kind === 'LOGIN' && action.reservationId !== null && action.previousOutcome !== outcome)
      ctx.onLoginFailed?.(action.reservationId, problem);
  }

  async function apply(ctx: ActionContext, verdict: Verdict): Promise<void> {
    const { action } = ctx;
    const at = clock.now();
    const fields = {
      jobId: action.id,
      kind: action.kind,
      key: action.idempotencyKey,
      deviceName: ctx.phone.deviceName,
    };
    let kept: boolean;
    if (verdict.kind === 'final') {
      kept = await finishAction(prisma, action, {
        state: verdict.state,
        at,
        emCode: verdict.emCode ?? null,
        outcome: verdict.outcome,
      });
      const label =
        verdict.state === 'DONE'
          ? 'done'
          : verdict.state === 'SKIPPED'
            ? 'skipped'
            : verdict.state === 'FAILED'
              ? 'failed'
              : 'conflict';
      metrics.outcome(action.kind, label);
      // Revived person-needed failures fail again the same way: tell people once, not every 15 min.
      if ((verdict.state === 'FAILED' || verdict.state === 'CONFLICT') && kept)
        loginGaveUp(action, verdict.outcome, verdict.problem ?? phoneProblemOf(verdict.emCode));
      if (verdict.state === 'FAILED')
        log.error({ ...fields, outcome: verdict.outcome }, 'phone action failed');
      else if (verdict.state === 'CONFLICT')
        log.warn({ ...fields, outcome: verdict.outcome }, 'phone action conflict');
      else log.info({ ...fields, state: verdict.state, outcome: verdict.outcome }, 'phone action finished');
    } else if (verdict.kind === 'wait') {
      kept = await rescheduleAction(prisma, action, {
        dueAt: verdict.dueAt,
        outcome: verdict.outcome,
        keepAttempts: true,
      });
      log.info({ ...fields, dueAt: verdict.dueAt, outcome: verdict.outcome }, 'phone action waits');
    } else {
      const failure: EmFailure = verdict.failure;
      const emCode = failure.kind === 'em' ? failure.code : null;
      const decision = decideRetry(failure, action.attempts, random);
      // Before the action's own write: housekeeping revives a FAILED action when its phone
      // changed after it failed, and this note must not count as such a change.
      await prisma.phone.update({
        where: { id: ctx.phone.id },
        data: { lastEmCode: emCode, lastEmOutcome: verdict.outcome.slice(0, 500) },
      });
      if (decision.retry) {
        const dueAt = new Date(at.getTime() + decision.delayMs);
        kept = await rescheduleAction(prisma, action, { dueAt, emCode, outcome: verdict.outcome });
        metrics.outcome(action.kind, 'retried');
        log.warn(
          { ...fields, emCode, attempts: action.attempts, dueAt, outcome: verdict.outcome },
          'phone action retry',
        );
      } else {
        kept = await finishAction(prisma, action, { state: 'FAILED', at, emCode, outcome: verdict.outcome });
        if (kept) loginGaveUp(action, verdict.outcome, phoneProblemOf(emCode));
        metrics.outcome(action.kind, 'failed');
        log.error(
          { ...fields, emCode, attempts: action.attempts, outcome: verdict.outcome },
          'phone action failed',
        );
      }
    }
    if (!kept) log.warn(fields, 'lease lost before the action was recorded; another instance owns it now');
  }

  return { apply };
}

export type Outcomes = ReturnType<typeof createOutcomes>;
