// Entry point of `npm start`: read config, start Roost (src/roost.ts: emulator when no
// real cluster is configured, database, app, scheduler), and close everything with grace
// on SIGTERM/SIGINT. Errors a person can fix become one line.
import { pino, type Logger } from 'pino';
import { redactPaths } from './app.js';
import { ConfigError, loadConfig, resolveSessionSecret, type Config } from './config.js';
import { DatabaseUnavailableError } from './db/database.js';
import { startRoost } from './roost.js';
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
    // As PID 1 in a container a signal without a handler is ignored, so a stop during start-up
    // (migrations, demo data) would wait for the engine's SIGKILL. Leave at once, as a process
    // with the default handler would; the graceful handlers below take over once Roost is up.
    const duringStart = (signal: NodeJS.Signals) => {
      log.warn({ signal }, 'stopped during start-up');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGTERM', duringStart);
    process.once('SIGINT', duringStart);
    const roost = await startRoost(config, { clock: systemClock, log });
    process.off('SIGTERM', duringStart);
    process.off('SIGINT', duringStart);

    let closing = false;
    const shutdown = async (signal: string) => {
      if (closing) return;
      closing = true;
      log.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      // The scheduler stops first, waiting for a running tick: its EM calls finish and are recorded.
      await roost.close();
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
