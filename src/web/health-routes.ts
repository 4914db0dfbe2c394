import type { FastifyInstance } from 'fastify';

export interface Readiness {
  /** The database answers and every migration is applied (db/database.ts checkReady). */
  check(): Promise<{ ok: true } | { ok: false; reason: string }>;
  databaseKind: string;
}

export async function healthRoutes(app: FastifyInstance, opts: { readiness: Readiness }) {
  app.get('/healthz', { config: { access: 'public' }, logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { access: 'public' }, logLevel: 'warn' }, async (_request, reply) => {
    const ready = await opts.readiness.check();
    if (!ready.ok) {
      reply.status(503).header('retry-after', '5');
      return { status: 'unavailable', reason: ready.reason };
    }
    return { status: 'ready', database: opts.readiness.databaseKind };
  });
}
