/**
 * The webhook outbox: one WebhookDelivery row per event and subscribed endpoint, written by the
 * caller's transaction, so an event exists exactly when its change committed. Nothing here talks
 * to the network (dispatcher.ts does), so a slow or dead receiver never holds up a booking.
 */
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';
import type { WebhookEvent } from './events.js';

/** What the outbox needs from a transaction (or the client itself). */
export type OutboxTx = Pick<PrismaClient, 'webhookEndpoint' | 'webhookDelivery' | 'reservation'>;

/** The message body of every delivery (Standard Webhooks: type, timestamp, data). */
export interface WebhookMessage {
  type: WebhookEvent;
  timestamp: string;
  data: Record<string, unknown>;
}

export const newMessageId = () => `msg_${randomUUID().replaceAll('-', '')}`;

async function enqueue(
  tx: OutboxTx,
  type: WebhookEvent,
  orderKey: string,
  at: Date,
  data: () => Promise<Record<string, unknown> | null>,
): Promise<number> {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { events: { has: type } },
    select: { id: true },
  });
  if (endpoints.length === 0) return 0;
  const body = await data();
  if (!body) return 0;
  const messageId = newMessageId();
  const payload: WebhookMessage = { type, timestamp: at.toISOString(), data: body };
  const { count } = await tx.webhookDelivery.createMany({
    data: endpoints.map((e) => ({
      endpointId: e.id,
      messageId,
      eventType: type,
      orderKey,
      payload: JSON.parse(JSON.stringify(payload)),
      createdAt: at,
      nextAttemptAt: at,
    })),
    skipDuplicates: true,
  });
  return count;
}

/** A booking changed: its state after the change, as the receiver will see it. */
export function enqueueReservationEvent(
  tx: OutboxTx,
  type: WebhookEvent,
  reservationId: number,
  at: Date,
): Promise<number> {
  return enqueue(tx, type, `reservation:${reservationId}`, at, async () => {
    const r = await tx.reservation.findUnique({
      where: { id: reservationId },
      include: {
        desk: { include: { floor: { include: { site: true } }, phone: { select: { deviceName: true } } } },
        user: { select: { id: true, email: true, displayName: true } },
      },
    });
    if (!r) return null;
    return {
      reservation: {
        id: r.id,
        status: r.status,
        start: r.startsAt.toISOString(),
        end: r.endsAt.toISOString(),
        checkedInAt: r.checkedInAt?.toISOString() ?? null,
        timeZone: r.desk.floor.site.timeZone,
        user: r.user,
        desk: { id: r.desk.id, label: r.desk.label },
        floor: { id: r.desk.floor.id, name: r.desk.floor.name },
        site: { id: r.desk.floor.site.id, name: r.desk.floor.site.name },
        phone: r.desk.phone ? { deviceName: r.desk.phone.deviceName } : null,
      },
    };
  });
}

export interface PhoneOutcome {
  kind: 'LOGIN' | 'LOGOUT';
  deviceName: string;
  reservationId: number | null;
  idempotencyKey: string;
  attempts: number;
  /** The action's final state (claim.ts FinalState). */
  state: 'DONE' | 'SKIPPED' | 'FAILED' | 'CONFLICT';
  emCode?: number | null;
  outcome: string;
}

/** The webhook event a finished phone action is, if any (a skipped action is none). */
export function phoneEventFor(o: Pick<PhoneOutcome, 'kind' | 'state'>): WebhookEvent | null {
  if (o.state === 'DONE') return o.kind === 'LOGIN' ? 'phone.logged_in' : 'phone.logged_out';
  if (o.state === 'FAILED' || o.state === 'CONFLICT') return 'phone.failed';
  return null;
}

/**
 * The scheduler finished a phone action: call this in the transaction that records the final
 * state (claim.ts finishAction does). Events of a booking's phone share the booking's order key,
 * so a receiver sees reservation.created before phone.logged_in.
 */
export function enqueuePhoneEvent(tx: OutboxTx, o: PhoneOutcome, at: Date): Promise<number> {
  const type = phoneEventFor(o);
  if (!type) return Promise.resolve(0);
  const orderKey = o.reservationId !== null ? `reservation:${o.reservationId}` : `phone:${o.deviceName}`;
  return enqueue(tx, type, orderKey, at, async () => ({
    phone: { deviceName: o.deviceName },
    action: {
      kind: o.kind,
      key: o.idempotencyKey,
      state: o.state,
      attempts: o.attempts,
      emCode: o.emCode ?? null,
      outcome: o.outcome,
    },
    reservationId: o.reservationId,
  }));
}
