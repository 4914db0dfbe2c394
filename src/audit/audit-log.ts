import { Db } from '../db/database.js';
import { asSql, type SqlRunner } from '../db/sql.js';
import { webhookEventForAudit } from '../outbox/events.js';
import { enqueueReservationEvent } from '../outbox/outbox.js';

/** A Prisma transaction (or client), or the booking path's own connection (db/sql.ts). */
type Tx = SqlRunner;

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
  await asSql(tx).rows(Db.Prisma.sql`
    INSERT INTO "AuditEvent" ("at", "actorId", "actorLabel", "action", "subjectType", "subjectId", "details")
    VALUES (${at}::timestamptz, ${actor.id}::int, ${actor.label}, ${entry.action}, ${entry.subjectType},
      ${String(entry.subjectId)}, ${JSON.stringify(entry.details ?? {})}::jsonb)`);
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
