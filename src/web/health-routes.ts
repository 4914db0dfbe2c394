import type { FastifyInstance } from 'fastify';
import { checkReady, type Database } from '../db/database.js';

export async function healthRoutes(app: FastifyInstance, opts: { db: Database }) {
  app.get('/healthz', { config: { access: 'public' }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: 'public' }, logLevel: 'warn' }, async (_request, reply) => {
    const ready = await checkReady(opts.db);
    if (!ready.ok) {
      reply.status(503).header('retry-after', '5');
      return { status: 'unavailable', reason: ready.reason };
    }
    return { status: 'ready', database: opts.db.kind };
  });
}
