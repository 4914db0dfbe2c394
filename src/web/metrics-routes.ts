import type { FastifyInstance } from 'fastify';
import type { PrismaClient } from '../db/database.js';
import type { PhonesService } from '../scheduler/phones-service.js';
import { metricsText } from '../scheduler/phones-service.js';
import type { Clock } from '../time/clock.js';

/** GET /metrics in the Prometheus text format (CONTRACT.md). */
export async function metricsRoutes(
  app: FastifyInstance,
  opts: { prisma: PrismaClient; clock: Clock; phones?: PhonesService },
) {
  app.get('/metrics', { config: { access: 'public' } }, async (_request, reply) => {
    const text = opts.phones ? await opts.phones.metricsText() : await metricsText(opts.prisma, opts.clock);
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
}
