import type { FastifyInstance } from 'fastify';

/** GET /metrics in the Prometheus text format (CONTRACT.md); the text comes from the scheduler. */
export async function metricsRoutes(app: FastifyInstance, opts: { metricsText: () => Promise<string> }) {
  app.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    const text = await opts.metricsText();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
}
