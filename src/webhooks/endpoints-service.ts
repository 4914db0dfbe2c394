/**
 * Webhook endpoints staff register (the staff page and POST /api/v1/admin/webhooks): URL checked
 * against the SSRF guard, events from CONTRACT.md, a fresh `whsec_` secret shown once. Every
 * change is audited (without the secret).
 */
import { randomBytes } from 'node:crypto';
import { recordAudit, type Actor } from '../audit/audit-log.js';
import type { PrismaClient } from '../db/database.js';
import { invalidInput, msg, notFound, RoostError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '../outbox/events.js';
import type { UrlGuard } from './url-guard.js';

export type EndpointStatus = 'ok' | 'retrying' | 'failing' | 'new';

export interface EndpointView {
  id: number;
  url: string;
  events: string[];
  description: string;
  createdAt: Date;
  status: EndpointStatus;
  pending: number;
  delivered: number;
  failed: number;
  lastDeliveredAt: Date | null;
}

export type WebhookEndpointsService = ReturnType<typeof createWebhookEndpointsService>;

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const MAX_ENDPOINTS = 50;
const MAX_URL_LENGTH = 2000;
const DELIVERY_LOG_SIZE = 100;

export function createWebhookEndpointsService(deps: { prisma: PrismaClient; clock: Clock; guard: UrlGuard }) {
  const { prisma, clock, guard } = deps;

  function checkEvents(raw: unknown): WebhookEvent[] {
    const list = (Array.isArray(raw) ? raw : raw === undefined || raw === '' ? [] : [raw]).map(String);
    const unknown = list.filter((e) => !isWebhookEvent(e));
    if (unknown.length > 0)
      throw invalidInput(
        msg('problem.webhooks.unknownEvent', {
          count: unknown.length,
          events: unknown.join(', '),
          allowed: WEBHOOK_EVENTS.join(', '),
        }),
        {
          fields: {
            events: msg('problem.webhooks.unknownEventField', {
              count: unknown.length,
              events: unknown.join(', '),
            }),
          },
        },
      );
    if (list.length === 0)
      throw invalidInput(msg('problem.webhooks.chooseEvent'), {
        fields: { events: msg('problem.webhooks.chooseEvent') },
      });
    return WEBHOOK_EVENTS.filter((e) => list.includes(e));
  }

  async function statusOf(endpointIds: number[]) {
    const rows = await prisma.webhookDelivery.groupBy({
      by: ['endpointId', 'state'],
      where: { endpointId: { in: endpointIds } },
      _count: { _all: true },
      _max: { deliveredAt: true, lastAttemptAt: true },
    });
    const lastFailed = await prisma.webhookDelivery.groupBy({
      by: ['endpointId'],
      where: { endpointId: { in: endpointIds }, state: 'FAILED' },
      _max: { lastAttemptAt: true },
    });
    const retrying = await prisma.webhookDelivery.groupBy({
      by: ['endpointId'],
      where: { endpointId: { in: endpointIds }, state: { in: ['PENDING', 'RUNNING'] }, attempts: { gt: 0 } },
      _count: { _all: true },
    });
    return (id: number) => {
      const mine = rows.filter((r) => r.endpointId === id);
      const count = (state: string) => mine.find((r) => r.state === state)?._count._all ?? 0;
      const lastDeliveredAt = mine.find((r) => r.state === 'DELIVERED')?._max.deliveredAt ?? null;
      const failedAt = lastFailed.find((r) => r.endpointId === id)?._max.lastAttemptAt ?? null;
      const status: EndpointStatus =
        failedAt && (!lastDeliveredAt || failedAt > lastDeliveredAt)
          ? 'failing'
          : retrying.some((r) => r.endpointId === id)
            ? 'retrying'
            : lastDeliveredAt
              ? 'ok'
              : 'new';
      return {
        status,
        pending: count('PENDING') + count('RUNNING'),
        delivered: count('DELIVERED'),
        failed: count('FAILED'),
        lastDeliveredAt,
      };
    };
  }

  const view = (
    e: { id: number; url: string; events: string[]; description: string; createdAt: Date },
    s: Omit<EndpointView, 'id' | 'url' | 'events' | 'description' | 'createdAt'>,
  ): EndpointView => ({
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    createdAt: e.createdAt,
    ...s,
  });

  return {
    async list(): Promise<EndpointView[]> {
      const endpoints = await prisma.webhookEndpoint.findMany({ orderBy: { id: 'asc' } });
      const status = await statusOf(endpoints.map((e) => e.id));
      return endpoints.map((e) => view(e, status(e.id)));
    },

    async get(id: number): Promise<EndpointView> {
      const e = await prisma.webhookEndpoint.findUnique({ where: { id } });
      if (!e) throw notFound('webhook', id);
      return view(e, (await statusOf([id]))(id));
    },

    /** The newest deliveries of an endpoint, for the delivery log. */
    async deliveries(id: number) {
      await this.get(id);
      return prisma.webhookDelivery.findMany({
        where: { endpointId: id },
        orderBy: { id: 'desc' },
        take: DELIVERY_LOG_SIZE,
        select: {
          id: true,
          messageId: true,
          eventType: true,
          state: true,
          attempts: true,
          createdAt: true,
          lastAttemptAt: true,
          nextAttemptAt: true,
          deliveredAt: true,
          lastStatus: true,
          lastError: true,
        },
      });
    },

    async create(
      actor: Actor,
      input: { url?: unknown; events?: unknown; description?: unknown },
    ): Promise<{ endpoint: EndpointView; secret: string }> {
      const rawUrl = typeof input.url === 'string' ? input.url.trim() : '';
      if (!rawUrl)
        throw invalidInput(msg('problem.webhooks.urlRequired'), {
          fields: { url: msg('problem.webhooks.required') },
        });
      if (rawUrl.length > MAX_URL_LENGTH)
        throw invalidInput(msg('problem.webhooks.urlTooLong', { max: MAX_URL_LENGTH }));
      const events = checkEvents(input.events);
      let url: URL;
      try {
        url = await guard.check(rawUrl);
      } catch (error) {
        if (!(error instanceof RoostError)) throw error;
        throw invalidInput(error.text, { fields: { url: error.text } });
      }
      const description = typeof input.description === 'string' ? input.description.trim().slice(0, 200) : '';
      const secret = newWebhookSecret();
      const now = clock.now();
      const endpoint = await prisma.$transaction(async (tx) => {
        if ((await tx.webhookEndpoint.count()) >= MAX_ENDPOINTS)
          throw invalidInput(msg('problem.webhooks.tooMany', { max: MAX_ENDPOINTS }));
        const e = await tx.webhookEndpoint.create({
          data: { url: url.toString(), events, secret, description, createdById: actor.id, createdAt: now },
        });
        await recordAudit(
          tx,
          actor,
          {
            action: 'webhook.create',
            subjectType: 'webhook',
            subjectId: e.id,
            details: { after: { url: e.url, events, description } },
          },
          now,
        );
        return e;
      });
      return {
        endpoint: view(endpoint, {
          status: 'new',
          pending: 0,
          delivered: 0,
          failed: 0,
          lastDeliveredAt: null,
        }),
        secret,
      };
    },

    async remove(actor: Actor, id: number): Promise<void> {
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const e = await tx.webhookEndpoint.findUnique({ where: { id } });
        if (!e) throw notFound('webhook', id);
        await tx.webhookEndpoint.delete({ where: { id } });
        await recordAudit(
          tx,
          actor,
          {
            action: 'webhook.delete',
            subjectType: 'webhook',
            subjectId: id,
            details: { before: { url: e.url, events: e.events } },
          },
          now,
        );
      });
    },
  };
}
