import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseId } from '../../admin/admin-deps.js';
import { WEBHOOK_EVENTS } from '../../outbox/events.js';
import type { WebhookEndpointsService } from '../../webhooks/endpoints-service.js';
import { actorOf, doneTo, noErrors, staff, submitForm } from './staff-helpers.js';
import { IdParams } from '../route-schemas.js';

/** Message keys by value (written out so the catalogue check sees every key used). */
const STATUS_KEYS = {
  ok: 'webhooks.state.ok',
  new: 'webhooks.state.new',
  retrying: 'webhooks.state.retrying',
  failing: 'webhooks.state.failing',
} as const;
const DELIVERY_KEYS = {
  PENDING: 'webhooks.delivery.pending',
  RUNNING: 'webhooks.delivery.running',
  DELIVERED: 'webhooks.delivery.delivered',
  FAILED: 'webhooks.delivery.failed',
} as const;
const keys = { statusKeys: STATUS_KEYS, deliveryKeys: DELIVERY_KEYS };

/** Staff register webhook endpoints, choose their events and read each one's delivery log. */
export async function webhooksRoutes(app: FastifyInstance, opts: { webhooks: WebhookEndpointsService }) {
  const { webhooks } = opts;
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const staffWithId = { ...staff, schema: { params: IdParams } };

  const listPage = async (request: FastifyRequest, values: Record<string, unknown> = {}) => {
    const chosen = [values.events ?? []].flat().map(String);
    return {
      title: request.t('webhooks.title'),
      ...keys,
      endpoints: await webhooks.list(),
      events: WEBHOOK_EVENTS.map((e) => ({ name: e, checked: chosen.includes(e) })),
      values,
      errors: noErrors,
    };
  };

  app.get('/staff/webhooks', staff, async (request, reply) =>
    reply.render('staff/webhooks.eta', await listPage(request)),
  );

  app.post('/staff/webhooks', staff, async (request, reply) => {
    const again = (values: Record<string, unknown>) => listPage(request, values);
    return submitForm(request, reply, 'staff/webhooks.eta', again, async (form, actor) => {
      const { endpoint, secret } = await webhooks.create(actor, form);
      // The secret is shown on this page and never again: no redirect that could lose it.
      reply.header('cache-control', 'no-store');
      const title = request.t('webhooks.created.title');
      return reply.status(201).render('staff/webhook-created.eta', { title, endpoint, secret });
    });
  });

  typed.get('/staff/webhooks/:id', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'webhook');
    const endpoint = await webhooks.get(id);
    return reply.render('staff/webhook.eta', {
      title: request.t('webhooks.log.title', { url: endpoint.url }),
      ...keys,
      endpoint,
      deliveries: await webhooks.deliveries(id),
    });
  });

  typed.post('/staff/webhooks/:id/delete', staffWithId, async (request, reply) => {
    const id = parseId(request.params.id, 'webhook');
    const endpoint = await webhooks.get(id);
    await webhooks.remove(actorOf(request), id);
    return doneTo(reply, '/staff/webhooks', request.t('webhooks.removed', { url: endpoint.url }));
  });
}
