import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { resourceRoutes } from './admin-api-helpers.js';
import { WEBHOOK_EVENTS } from '../../../outbox/events.js';
import type { EndpointView, WebhookEndpointsService } from '../../../webhooks/endpoints-service.js';

/**
 * Webhook endpoints through the API (CONTRACT.md "Webhooks"): POST answers 201 with the secret,
 * shown this once; GET lists (never with secrets); DELETE removes. Staff only, like the page.
 */
const Event = Type.Union(
  WEBHOOK_EVENTS.map((e) => Type.Literal(e)),
  { description: 'An event type' },
);
const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'https:// URL that receives POSTs' }),
    events: Type.Array(Event, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
const tags = ['webhooks'];

export function endpointJson(e: EndpointView) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description,
    createdAt: e.createdAt.toISOString(),
    status: e.status,
    pending: e.pending,
    delivered: e.delivered,
    failed: e.failed,
    lastDeliveredAt: e.lastDeliveredAt?.toISOString() ?? null,
  };
}

export async function webhooksApi(app: FastifyInstance, opts: { webhooks: WebhookEndpointsService }) {
  const { webhooks } = opts;
  const endpoint = resourceRoutes(app, { base: '/api/v1/admin/webhooks', access: 'staff', tags });

  endpoint.list(
    'Webhook endpoints with their delivery status (ok, new, retrying, failing)',
    undefined,
    async () => ({ webhooks: (await webhooks.list()).map(endpointJson) }),
  );

  endpoint.create(
    {
      summary: 'Register an endpoint; the answer holds its signing secret (whsec_…), shown only this once',
      description:
        'Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1, HMAC-SHA256). ' +
        'Loopback, private, link-local and metadata addresses are refused (400) unless ROOST_WEBHOOK_ALLOWED_HOSTS names the host.',
      bodyLimit: 8 * 1024,
    },
    CreateBody,
    async (actor, body) => {
      const created = await webhooks.create(actor, body);
      return { ...endpointJson(created.endpoint), secret: created.secret };
    },
  );

  endpoint.read('One webhook endpoint', async (id) => endpointJson(await webhooks.get(id)));

  endpoint.read(
    'The newest 100 deliveries of an endpoint (the delivery log)',
    async (id) => ({
      deliveries: (await webhooks.deliveries(id)).map((d) => ({
        id: d.id,
        messageId: d.messageId,
        event: d.eventType,
        state: d.state,
        attempts: d.attempts,
        createdAt: d.createdAt.toISOString(),
        lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
        nextAttemptAt: d.state === 'PENDING' ? d.nextAttemptAt.toISOString() : null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        lastStatus: d.lastStatus,
        lastError: d.lastError,
      })),
    }),
    '/:id/deliveries',
  );

  endpoint.remove('Remove an endpoint and its pending deliveries', (actor, id) => webhooks.remove(actor, id));
}
