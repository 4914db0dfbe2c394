/** The webhook event types of CONTRACT.md ("Webhooks"), in the order the staff page lists them. */
export const WEBHOOK_EVENTS = [
  'reservation.created',
  'reservation.cancelled',
  'reservation.released',
  'reservation.checked_in',
  'reservation.extended',
  'phone.logged_in',
  'phone.logged_out',
  'phone.failed',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (value: string): value is WebhookEvent =>
  (WEBHOOK_EVENTS as readonly string[]).includes(value);

/**
 * Audit actions that are also webhook events. The audit entry is written inside the
 * transaction of the change, so the outbox row is too (see audit-log.ts). A no-show release by
 * the scheduler is a `reservation.released` whose `status` is `NO_SHOW`.
 */
const BY_AUDIT_ACTION: Record<string, WebhookEvent> = {
  'reservation.create': 'reservation.created',
  'reservation.cancel': 'reservation.cancelled',
  'reservation.release': 'reservation.released',
  'reservation.no_show': 'reservation.released',
  'reservation.check-in': 'reservation.checked_in',
  'reservation.extend': 'reservation.extended',
};

export const webhookEventForAudit = (action: string): WebhookEvent | undefined => BY_AUDIT_ACTION[action];
