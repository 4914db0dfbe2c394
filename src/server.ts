// Entry point of `npm start`: read config, prepare the database, start the EM emulator
// when no real cluster is configured, build the app, start the scheduler, listen, and
// close everything with grace on SIGTERM/SIGINT.
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { buildApp, redactPaths } from './app.js';
import { ConfigError, loadConfig, resolveSessionSecret, type Config } from './config.js';
import { DatabaseUnavailableError, openDatabase } from './db/database.js';
import { prepareDatabase } from './db/setup.js';
import { demoEmFixture } from './demo/em-fixture.js';
import { startEmulator, type RunningEmulator } from './emulator/index.js';
import { createEmClientRegistry } from './scheduler/em-clients.js';
import { createSchedulerMetrics } from './scheduler/metrics.js';
import { createPhonesService } from './scheduler/phones-service.js';
import { createScheduler } from './scheduler/scheduler.js';
import { systemClock } from './time/clock.js';

function createLogger(config: Readonly<Config>): Logger {
  const pretty = process.stdout.isTTY && config.logLevel !== 'silent';
  return pino({
    level: config.logLevel,
    redact: redactPaths,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
          },
        }
      : {}),
  });
}

/** Turns the errors a person can fix into one line; anything else is a bug and keeps its stack. */
function startupMessage(error: unknown, config: Readonly<Config> | undefined): string | null {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof DatabaseUnavailableError) return `Roost cannot start: ${error.message}`;
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE') {
    return `Roost cannot start: ${e.message.includes(String(config?.em.simPort)) && !config?.em.url ? `ROOST_EM_SIM_PORT ${config?.em.simPort}` : `PORT ${config?.port}`} is already in use; choose a free port (or 0 for any).`;
  }
  if (e?.code === 'EACCES')
    return `Roost cannot start: not allowed to listen there (${e.message}); choose a port above 1024.`;
  return null;
}

async function main(): Promise<void> {
  let config: Readonly<Config> | undefined;
  try {
    config = resolveSessionSecret(loadConfig());
    const log = createLogger(config);
    const clock = systemClock;

    let emulator: RunningEmulator | undefined;
    if (!config.em.url) {
      emulator = await startEmulator({
        host: '127.0.0.1',
        port: config.em.simPort,
        profile: config.em.apiProfile,
        fixture: demoEmFixture(),
        stateFile: path.join(config.dataDir, 'em-emulator-state.json'),
        clock: 'system',
        logger: log.child({ module: 'emulator' }),
      });
      log.info({ url: emulator.url }, 'EM emulator started beside Roost (ROOST_EM_URL is unset)');
    }

    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const { applied, seed } = await prepareDatabase(db, config, clock, emulator?.url);
    log.info(
      { database: db.describe, kind: db.kind, applied },
      applied.length ? 'migrations applied' : 'database schema is current',
    );
    if (seed.seeded) log.info(seed, 'demo data loaded');

    const emClients = createEmClientRegistry({ prisma: db.prisma, config, log });
    const metrics = createSchedulerMetrics();
    const phones = createPhonesService({ prisma: db.prisma, clock, emClients, metrics });
    const scheduler = createScheduler({
      prisma: db.prisma,
      clock,
      log,
      emClients,
      metrics,
      tickSeconds: config.schedulerTickSeconds,
    });
    const app = await buildApp({ config, db, clock, logger: log, phones });
    await app.listen({ port: config.port, host: config.host });
    if (config.schedulerEnabled) scheduler.start();
    else
      log.warn(
        'phone scheduler disabled (ROOST_SCHEDULER=false): no EM logins or logouts from this instance',
      );

    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      // First the scheduler, waiting for a running tick: its EM calls finish and are recorded.
      await scheduler.stop().catch((err: unknown) => log.error({ err }, 'stopping the scheduler failed'));
      await app.close().catch((err: unknown) => log.error({ err }, 'closing the web server failed'));
      await emulator?.close().catch((err: unknown) => log.error({ err }, 'closing the emulator failed'));
      await db.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  } catch (error) {
    const message = startupMessage(error, config);
    if (message) console.error(message);
    else console.error(error);
    process.exit(1);
  }
}

await main();
