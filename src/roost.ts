// The composition root: everything `npm start` runs, wired once, so the browser tests
// start exactly the same Roost (emulator, database, app, scheduler) as a user does.
import path from 'node:path';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { prepareDatabase } from './demo/prepare-database.js';
import { demoEmFixture } from './demo/em-fixture.js';
import { startEmulator, type RunningEmulator } from './emulator/index.js';
import { createNotifier } from './notify/notifier.js';
import { createEmClientRegistry } from './scheduler/em-clients.js';
import { createSchedulerMetrics } from './scheduler/metrics.js';
import { createPhonesService } from './scheduler/phones-service.js';
import { createScheduler, type Scheduler } from './scheduler/scheduler.js';
import type { Clock } from './time/clock.js';
import { createWebhookDispatcher } from './webhooks/dispatcher.js';
import { createUrlGuard } from './webhooks/url-guard.js';

export interface RunningRoost {
  url: string;
  app: FastifyInstance;
  db: Database;
  scheduler: Scheduler;
  emulator: RunningEmulator | undefined;
  /** Stops in dependency order: the scheduler (waiting for a running tick), web, emulator, database. */
  close(): Promise<void>;
}

export async function startRoost(
  config: Readonly<Config>,
  deps: { clock: Clock; log: FastifyBaseLogger },
): Promise<RunningRoost> {
  const { clock, log } = deps;
  const inMemory = config.dataDir.startsWith('memory://');
  let emulator: RunningEmulator | undefined;
  if (!config.em.url) {
    emulator = await startEmulator({
      host: '127.0.0.1',
      port: config.em.simPort,
      profile: config.em.apiProfile,
      fixture: demoEmFixture(),
      ...(inMemory ? {} : { stateFile: path.join(config.dataDir, 'em-emulator-state.json') }),
      // Real time from where Roost's clock stands, so the emulator's automatic logouts and
      // Roost's bookings agree even when Roost runs on a clock started at a chosen instant.
      clock: 'system',
      startAt: clock.now().toISOString(),
      logger: log.child({ module: 'emulator' }),
    });
    log.info({ url: emulator.url }, 'EM emulator started beside Roost (ROOST_EM_URL is unset)');
  }

  let db: Database | undefined;
  try {
    db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const { applied, seed } = await prepareDatabase(db, config, clock, emulator?.url);
    log.info(
      { database: db.describe, kind: db.kind, applied },
      applied.length ? 'migrations applied' : 'database schema is current',
    );
    if (seed.seeded) log.info(seed, 'demo data loaded');

    const notifier = createNotifier({
      config,
      prisma: db.prisma,
      clock,
      log: log.child({ module: 'notify' }),
    });
    const emClients = createEmClientRegistry({ prisma: db.prisma, config, log, clock });
    const metrics = createSchedulerMetrics();
    const phones = createPhonesService({ prisma: db.prisma, clock, emClients, metrics });
    const scheduler = createScheduler({
      prisma: db.prisma,
      clock,
      log,
      emClients,
      metrics,
      tickSeconds: config.schedulerTickSeconds,
      onLoginFailed: (reservationId, problem) => void notifier.phoneLoginFailed(reservationId, problem),
      onLastingWait: (wait) => void notifier.emWaiting(wait),
    });
    const webhooks = createWebhookDispatcher({
      prisma: db.prisma,
      clock,
      log: log.child({ module: 'webhooks' }),
      guard: createUrlGuard({ allowedHosts: config.webhookAllowedHosts }),
    });
    const app = await buildApp({ config, db, clock, logger: log, phones, notifier });
    await app.listen({ port: config.port, host: config.host });
    // Safe on every instance: deliveries are claimed under a lease (src/webhooks/dispatcher.ts).
    webhooks.start();
    if (config.schedulerEnabled) scheduler.start();
    else
      log.warn(
        'phone scheduler disabled (ROOST_SCHEDULER=false): no EM logins or logouts from this instance',
      );

    const address = app.server.address() as AddressInfo;
    const openDb = db;
    return {
      url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${address.port}`,
      app,
      db: openDb,
      scheduler,
      emulator,
      close: async () => {
        await scheduler.stop().catch((err: unknown) => log.error({ err }, 'stopping the scheduler failed'));
        await webhooks.stop().catch((err: unknown) => log.error({ err }, 'stopping webhook delivery failed'));
        await app.close().catch((err: unknown) => log.error({ err }, 'closing the web server failed'));
        await notifier.close().catch((err: unknown) => log.error({ err }, 'closing the mailer failed'));
        await emulator?.close().catch((err: unknown) => log.error({ err }, 'closing the emulator failed'));
        await openDb.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
      },
    };
  } catch (error) {
    // Leave nothing running behind a failed start (a port, a PGlite lock).
    await emulator?.close().catch(() => {});
    await db?.close().catch(() => {});
    throw error;
  }
}
