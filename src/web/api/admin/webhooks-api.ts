import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiActor } from './admin-api-helpers.js';
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
const IdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

const staff = { config: { access: 'staff' as const } };
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
  type WithId = FastifyRequest<{ Params: Static<typeof IdParams> }>;

  app.get(
    '/api/v1/admin/webhooks',
    {
      ...staff,
      schema: {
        tags,
        summary: 'Webhook endpoints with their delivery status (ok, new, retrying, failing)',
      },
    },
    async () => ({ webhooks: (await webhooks.list()).map(endpointJson) }),
  );

  app.post(
    '/api/v1/admin/webhooks',
    {
      ...staff,
      bodyLimit: 8 * 1024,
      schema: {
        tags,
        summary: 'Register an endpoint; the answer holds its signing secret (whsec_…), shown only this once',
        description:
          'Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1, HMAC-SHA256). ' +
          'Loopback, private, link-local and metadata addresses are refused (400) unless ROOST_WEBHOOK_ALLOWED_HOSTS names the host.',
        body: CreateBody,
      },
    },
    async (request: FastifyRequest<{ Body: Static<typeof CreateBody> }>, reply) => {
      const { endpoint, secret } = await webhooks.create(apiActor(request), request.body);
      reply.status(201).header('location', `/api/v1/admin/webhooks/${endpoint.id}`);
      return { ...endpointJson(endpoint), secret };
    },
  );

  app.get(
    '/api/v1/admin/webhooks/:id',
    { ...staff, schema: { tags, summary: 'One webhook endpoint', params: IdParams } },
    async (request: WithId) => endpointJson(await webhooks.get(request.params.id)),
  );

  app.get(
    '/api/v1/admin/webhooks/:id/deliveries',
    {
      ...staff,
      schema: {
        tags,
        summary: 'The newest 100 deliveries of an endpoint (the delivery log)',
        params: IdParams,
      },
    },
    async (request: WithId) => ({
      deliveries: (await webhooks.deliveries(request.params.id)).map((d) => ({
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
  );

  app.delete(
    '/api/v1/admin/webhooks/:id',
    {
      ...staff,
      schema: { tags, summary: 'Remove an endpoint and its pending deliveries', params: IdParams },
    },
    async (request: WithId, reply) => {
      await webhooks.remove(apiActor(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
