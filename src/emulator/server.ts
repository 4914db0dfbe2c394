/**
 * startEmulator: builds the emulator's own Fastify instance (EM paths + /__sim/ control plane)
 * and listens. Shares no code with src/em (STYLE.md "Layout").
 */
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { createClock, parseInstant, type ClockMode } from './clock.js';
import { registerControlPlane } from './control-plane.js';
import { EmService, type ServiceLogger } from './em-service.js';
import { registerEmRoutes } from './em-routes.js';
import { validateFixture, type EmulatorFixture } from './fixture.js';
import type { EmulatorProfile } from './params.js';

export interface EmulatorLogger extends ServiceLogger {
  child(bindings: Record<string, unknown>): EmulatorLogger;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default '4.1'. */
  profile?: EmulatorProfile;
  fixture: EmulatorFixture;
  /** Persist devices, logins and the logout schedule here (CONTROL.md --state). */
  stateFile?: string;
  /** 'system' (default): real time plus a movable offset; 'manual': frozen until moved. */
  clock?: ClockMode;
  /** ISO instant the clock starts at (manual clock; also honoured by the system clock). */
  startAt?: string;
  /** A pino-compatible logger, or false (the default) for none. */
  logger?: EmulatorLogger | false;
}

export interface RunningEmulator {
  /** http://host:port, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const silentLogger: ServiceLogger = { info() {}, debug() {}, warn() {} };

export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const profile = options.profile ?? '4.1';
  if (profile !== '4.1' && profile !== 'modern') throw new Error(`unknown profile ${String(profile)}`);
  const fixture = validateFixture(options.fixture);
  let startAtMs: number | undefined;
  if (options.startAt !== undefined) {
    startAtMs = parseInstant(options.startAt);
    if (startAtMs === undefined)
      throw new Error(`startAt must be an ISO 8601 instant with a zone: ${options.startAt}`);
  }
  const clock = createClock(options.clock ?? 'system', startAtMs);
  const log = options.logger ? options.logger.child({ module: 'emulator' }) : silentLogger;
  const service = new EmService({
    profile,
    fixture,
    clock,
    log,
    ...(options.stateFile !== undefined ? { stateFile: options.stateFile } : {}),
  });

  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger as unknown as FastifyBaseLogger }
      : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    // SPEC 13: the servlet path match is case-sensitive and exact.
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false },
    // Control-plane fixtures can be large; the EM paths have their own 64 KiB limit.
    bodyLimit: 16 * 1024 * 1024,
    forceCloseConnections: true,
  });
  registerEmRoutes(app, service);
  registerControlPlane(app, service);

  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 8080 });
  } catch (error) {
    service.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: async () => {
      service.close();
      await app.close();
    },
  };
}
