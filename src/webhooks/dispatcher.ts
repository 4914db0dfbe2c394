/**
 * Sends the webhook outbox (outbox.ts) to the endpoints, per the Standard Webhooks
 * specification: `webhook-id` (the same on every attempt), `webhook-timestamp` (the attempt, in
 * seconds) and `webhook-signature` (`v1,` + HMAC-SHA256 of `id.timestamp.body` with the
 * endpoint's secret, by the `standardwebhooks` library).
 *
 * Deliveries are claimed like phone actions (scheduler/claim.ts): `FOR UPDATE SKIP LOCKED` under
 * a lease, so any number of Roost instances send each delivery once; a delivery whose instance
 * died is taken again when its lease runs out (with the same webhook-id, so a receiver can drop a
 * repeat). Per endpoint, the deliveries of one booking (or phone) go out one at a time in the
 * order they were written. A failed attempt is retried with capped exponential backoff; a
 * delivery still failing a day after its event is given up and the endpoint shows as failing.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { hostname } from 'node:os';
import { Webhook } from 'standardwebhooks';
import type { PrismaClient } from '../db/database.js';
import type { Log } from '../log.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, type Clock } from '../time/clock.js';
import type { UrlGuard } from './url-guard.js';

export type DispatcherLog = Log;

export interface WebhookDispatcherOptions {
  prisma: PrismaClient;
  clock: Clock;
  log: DispatcherLog;
  guard: UrlGuard;
  /** Unique per process; default host:pid:random. */
  instanceId?: string;
  /** A request that has not answered by then counts as failed. Default 10 s. */
  timeoutMs?: number;
  /** Deliveries in flight at once per instance. Default 8. */
  concurrency?: number;
  /** Retry delay after the n-th failed attempt. Default 15 s doubling, at most 1 hour. */
  backoffMs?: (attempts: number) => number;
  /** A delivery still failing this long after its event is given up. Default one day. */
  giveUpAfterMs?: number;
  /** How often start() ticks. Default 2 s. */
  intervalMs?: number;
}

export interface DispatchReport {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
}

export interface WebhookDispatcher {
  /** Sends what has fallen due by `now`, round after round, until nothing is claimable. */
  tick(now: Date): Promise<DispatchReport>;
  start(): void;
  /** Stops ticking and waits for a running tick. */
  stop(): Promise<void>;
  readonly instanceId: string;
}

export const WEBHOOK_GIVE_UP_MS = DAY_MS;
export const defaultBackoffMs = (attempts: number) =>
  Math.min(HOUR_MS, 15 * SECOND_MS * 2 ** Math.max(0, attempts - 1));

interface Claimed {
  id: number;
  endpointId: number;
  messageId: string;
  payload: unknown;
  attempts: number;
  createdAt: Date;
  leaseOwner: string;
}

interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

const MAX_ROUNDS = 50;

export function createWebhookDispatcher(opts: WebhookDispatcherOptions): WebhookDispatcher {
  const { prisma, clock, log, guard } = opts;
  const instanceId = opts.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const timeoutMs = opts.timeoutMs ?? 10 * SECOND_MS;
  const concurrency = opts.concurrency ?? 8;
  const backoffMs = opts.backoffMs ?? defaultBackoffMs;
  const giveUpAfterMs = opts.giveUpAfterMs ?? WEBHOOK_GIVE_UP_MS;
  // Longer than any attempt can take: a live attempt is never taken over.
  const leaseMs = Math.max(MINUTE_MS, 3 * timeoutMs);
  let claimSeq = 0;

  async function claim(now: Date): Promise<Claimed[]> {
    const leaseOwner = `${instanceId}#${++claimSeq}`;
    const leaseUntil = new Date(now.getTime() + leaseMs);
    return prisma.$queryRaw<Claimed[]>`
      WITH candidates AS (
        SELECT d."id"
        FROM "WebhookDelivery" d
        WHERE (
            (d."state" = 'PENDING' AND d."nextAttemptAt" <= ${now}::timestamptz)
            OR (d."state" = 'RUNNING' AND d."leaseExpiresAt" <= ${now}::timestamptz)
          )
          AND NOT EXISTS (
            SELECT 1 FROM "WebhookDelivery" b
            WHERE b."endpointId" = d."endpointId" AND b."orderKey" = d."orderKey"
              AND b."id" < d."id" AND b."state" IN ('PENDING', 'RUNNING')
          )
        ORDER BY d."nextAttemptAt", d."id"
        LIMIT ${concurrency}
        FOR UPDATE OF d SKIP LOCKED
      )
      UPDATE "WebhookDelivery" u
      SET "state" = 'RUNNING',
          "leaseOwner" = ${leaseOwner},
          "leaseExpiresAt" = ${leaseUntil}::timestamptz,
          "lastAttemptAt" = ${now}::timestamptz,
          "attempts" = u."attempts" + 1
      FROM candidates c
      WHERE u."id" = c."id"
      RETURNING u."id", u."endpointId", u."messageId", u."payload", u."attempts", u."createdAt", u."leaseOwner"`;
  }

  function send(
    url: string,
    secret: string,
    messageId: string,
    body: string,
    at: Date,
  ): Promise<AttemptResult> {
    const signature = new Webhook(secret).sign(messageId, at, body);
    const target = new URL(url);
    const refused = guard.literalRefusal(target.hostname);
    // The delivery log keeps English (Error.message), like the receivers' answers beside it.
    if (refused) return Promise.resolve({ ok: false, status: null, error: refused.message });
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = client.request(
        target,
        {
          method: 'POST',
          // A new connection per attempt, so the guard's lookup checks the address every time.
          agent: false,
          lookup: guard.lookup,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Roost-Webhooks/1',
            'webhook-id': messageId,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          res.on('end', () => {
            if (status >= 200 && status < 300) done({ ok: true, status, error: null });
            else if (status >= 300 && status < 400)
              done({ ok: false, status, error: `answered ${status}: redirects are not followed` });
            else done({ ok: false, status, error: `answered ${status}` });
          });
          res.on('error', (error) => done({ ok: false, status, error: error.message }));
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        done({ ok: false, status: null, error: `no answer within ${timeoutMs / 1000} s` });
      }, timeoutMs);
      req.on('error', (error) => done({ ok: false, status: null, error: error.message.slice(0, 300) }));
      req.end(body);
    });
  }

  async function record(
    d: Claimed,
    result: AttemptResult,
    at: Date,
  ): Promise<'delivered' | 'retried' | 'failed'> {
    const fence = { id: d.id, state: 'RUNNING' as const, leaseOwner: d.leaseOwner };
    const common = { leaseOwner: null, leaseExpiresAt: null, lastStatus: result.status };
    if (result.ok) {
      await prisma.webhookDelivery.updateMany({
        where: fence,
        data: { ...common, state: 'DELIVERED', deliveredAt: at, lastError: null },
      });
      return 'delivered';
    }
    const giveUp = at.getTime() - d.createdAt.getTime() >= giveUpAfterMs;
    await prisma.webhookDelivery.updateMany({
      where: fence,
      data: {
        ...common,
        lastError: result.error?.slice(0, 500) ?? null,
        ...(giveUp
          ? { state: 'FAILED' }
          : { state: 'PENDING', nextAttemptAt: new Date(at.getTime() + backoffMs(d.attempts)) }),
      },
    });
    return giveUp ? 'failed' : 'retried';
  }

  async function round(now: Date, report: DispatchReport): Promise<number> {
    const batch = await claim(now);
    if (batch.length === 0) return 0;
    report.claimed += batch.length;
    const endpoints = new Map(
      (
        await prisma.webhookEndpoint.findMany({
          where: { id: { in: [...new Set(batch.map((d) => d.endpointId))] } },
          select: { id: true, url: true, secret: true },
        })
      ).map((e) => [e.id, e]),
    );
    await Promise.all(
      batch.map(async (d) => {
        const endpoint = endpoints.get(d.endpointId);
        if (!endpoint) return; // removed meanwhile; its deliveries went with it
        const at = clock.now();
        const result = await send(endpoint.url, endpoint.secret, d.messageId, JSON.stringify(d.payload), at);
        const outcome = await record(d, result, clock.now());
        report[outcome]++;
        if (outcome !== 'delivered')
          log.warn(
            {
              deliveryId: d.id,
              endpointId: d.endpointId,
              attempts: d.attempts,
              error: result.error,
              outcome,
            },
            'webhook delivery failed',
          );
      }),
    );
    return batch.length;
  }

  async function tick(now: Date): Promise<DispatchReport> {
    const report: DispatchReport = { claimed: 0, delivered: 0, retried: 0, failed: 0 };
    for (let i = 0; i < MAX_ROUNDS; i++) {
      // Later rounds use the clock as it moved on (a delivery's successor became due).
      const roundNow = i === 0 ? now : new Date(Math.max(now.getTime(), clock.now().getTime()));
      if ((await round(roundNow, report)) === 0) break;
    }
    return report;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  return {
    instanceId,
    tick,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = tick(clock.now())
          .catch((err: unknown) => log.error({ err }, 'webhook dispatch failed'))
          .finally(() => (running = undefined));
      }, opts.intervalMs ?? 2_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
