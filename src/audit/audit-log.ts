import type { Db } from '../db/database.js';
import { webhookEventForAudit } from '../outbox/events.js';
import { enqueueReservationEvent, type OutboxTx } from '../outbox/outbox.js';

type Tx = Pick<Db.PrismaClient, 'auditEvent'> & OutboxTx;

export interface Actor {
  id: number | null;
  /** "user:5 (ada@roost.example)", "scheduler", "system". */
  label: string;
}

export const systemActor: Actor = { id: null, label: 'system' };
export const schedulerActor: Actor = { id: null, label: 'scheduler' };
export const userActor = (user: { id: number; email: string }): Actor => ({ id: user.id, label: user.email });

export interface AuditEntry {
  action: string;
  subjectType: string;
  subjectId: string | number;
  /** Facts of the change; for edits, { before, after }. Never secrets or hashes. */
  details?: Record<string, unknown>;
}

/**
 * Appends to the audit trail, inside the caller's transaction when it has one. A booking change
 * that is a webhook event also goes into the webhook outbox here, in the same transaction.
 */
export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry, at: Date): Promise<void> {
  await tx.auditEvent.create({
    data: {
      at,
      actorId: actor.id,
      actorLabel: actor.label,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: String(entry.subjectId),
      details: JSON.parse(JSON.stringify(entry.details ?? {})),
    },
  });
  const event = webhookEventForAudit(entry.action);
  if (event) await enqueueReservationEvent(tx, event, Number(entry.subjectId), at);
}

/** Appends one actor's entries within one transaction: `audit(action, subjectType, subjectId, details)`. */
export type AuditTrail = (
  action: string,
  subjectType: string,
  subjectId: string | number,
  details?: Record<string, unknown>,
) => Promise<void>;

/** The audit trail of one change: its actor, its transaction and its instant. */
export function auditTrail(tx: Tx, actor: Actor, at: Date): AuditTrail {
  return (action, subjectType, subjectId, details) =>
    recordAudit(tx, actor, { action, subjectType, subjectId, details }, at);
}
