/**
 * The webhook outbox: one WebhookDelivery row per event and subscribed endpoint, written by the
 * caller's transaction, so an event exists exactly when its change committed. Nothing here talks
 * to the network (dispatcher.ts does), so a slow or dead receiver never holds up a booking.
 */
import { randomUUID } from 'node:crypto';
import { Db } from '../db/database.js';
import { asSql, type SqlRunner } from '../db/sql.js';
import type { WebhookEvent } from './events.js';

/**
 * What the outbox needs from a transaction (or the client itself): it writes in plain SQL, so
 * the booking path can call it on its own connection (db/sql.ts), and everyone else through
 * their Prisma transaction.
 */
export type OutboxTx = SqlRunner;

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
  const sql = asSql(tx);
  const endpoints = await sql.rows<{ id: number }>(
    Db.Prisma.sql`SELECT "id" FROM "WebhookEndpoint" WHERE "events" @> ARRAY[${type}]::text[]`,
  );
  if (endpoints.length === 0) return 0;
  const body = await data();
  if (!body) return 0;
  const messageId = newMessageId();
  const payload = JSON.stringify({ type, timestamp: at.toISOString(), data: body } satisfies WebhookMessage);
  const inserted = await sql.rows<{ id: number }>(Db.Prisma.sql`
    INSERT INTO "WebhookDelivery" ("endpointId", "messageId", "eventType", "orderKey", "payload", "createdAt", "nextAttemptAt")
    SELECT e."id", ${messageId}, ${type}, ${orderKey}, ${payload}::jsonb, ${at}::timestamptz, ${at}::timestamptz
    FROM unnest(${endpoints.map((e) => e.id)}::int[]) AS e("id")
    ON CONFLICT ("endpointId", "messageId") DO NOTHING
    RETURNING "id"`);
  return inserted.length;
}

/** A booking changed: its state after the change, as the receiver will see it. */
export function enqueueReservationEvent(
  tx: OutboxTx,
  type: WebhookEvent,
  reservationId: number,
  at: Date,
): Promise<number> {
  return enqueue(tx, type, `reservation:${reservationId}`, at, async () => {
    const [r] = await asSql(tx).rows<ReservationEventRow>(Db.Prisma.sql`
      SELECT r."id", r."status"::text AS "status", r."startsAt", r."endsAt", r."checkedInAt",
        s."timeZone", u."id" AS "userId", u."email", u."displayName", d."id" AS "deskId", d."label",
        f."id" AS "floorId", f."name" AS "floorName", s."id" AS "siteId", s."name" AS "siteName",
        ph."deviceName"
      FROM "Reservation" r
        JOIN "User" u ON u."id" = r."userId"
        JOIN "Desk" d ON d."id" = r."deskId"
        JOIN "Floor" f ON f."id" = d."floorId"
        JOIN "Site" s ON s."id" = f."siteId"
        LEFT JOIN "Phone" ph ON ph."deskId" = d."id"
      WHERE r."id" = ${reservationId}`);
    if (!r) return null;
    return {
      reservation: {
        id: r.id,
        status: r.status,
        start: r.startsAt.toISOString(),
        end: r.endsAt.toISOString(),
        checkedInAt: r.checkedInAt?.toISOString() ?? null,
        timeZone: r.timeZone,
        user: { id: r.userId, email: r.email, displayName: r.displayName },
        desk: { id: r.deskId, label: r.label },
        floor: { id: r.floorId, name: r.floorName },
        site: { id: r.siteId, name: r.siteName },
        phone: r.deviceName === null ? null : { deviceName: r.deviceName },
      },
    };
  });
}

interface ReservationEventRow {
  id: number;
  status: string;
  startsAt: Date;
  endsAt: Date;
  checkedInAt: Date | null;
  timeZone: string;
  userId: number;
  email: string;
  displayName: string;
  deskId: number;
  label: string;
  floorId: number;
  floorName: string;
  siteId: number;
  siteName: string;
  deviceName: string | null;
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
