/**
 * startEmulator: builds the emulator's own Fastify instance per node (EM paths + /__sim/ control
 * plane, all nodes over one shared EmService) and listens. Shares no code with src/em (STYLE.md
 * "Layout").
 *
 * The control plane can reset the cluster and move its clock, so it is only served on a loopback
 * address unless a control token protects it (`controlToken`, CLI `--control-token` or the
 * environment variable CONTROL_TOKEN_ENV).
 */
import { isIP } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { createClock, parseInstant, type ClockMode } from './clock.js';
import { registerControlPlane } from './control-plane.js';
import { EmService } from './em-service.js';
import type { ServiceLogger } from './em-types.js';
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
  /** Nodes of the one emulated cluster, on consecutive ports from `port` (CONTROL.md). Default 1. */
  nodes?: number;
  /**
   * Bearer token the control plane requires. Required when `host` is not a loopback address;
   * without it (loopback only) the control plane is open to local callers.
   */
  controlToken?: string;
}

/** The environment variable the CLI reads the control token from. */
export const CONTROL_TOKEN_ENV = 'ROOST_EM_SIM_CONTROL_TOKEN';

export class UnsafeListenError extends Error {}

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach them. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (h.startsWith('::ffff:')) return isLoopbackHost(h.slice(7));
  return isIP(h) === 4 && h.startsWith('127.');
}

export interface RunningEmulator {
  /** http://host:port, no trailing slash. */
  url: string;
  port: number;
  /** Every node, node 1 first (url and port above are node 1's). */
  nodes: { url: string; port: number }[];
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
    nodes: Math.max(1, Math.floor(options.nodes ?? 1)),
  });

  const host = options.host ?? '127.0.0.1';
  const controlToken = options.controlToken === '' ? undefined : options.controlToken;
  if (!isLoopbackHost(host) && controlToken === undefined) {
    service.close();
    throw new UnsafeListenError(
      `refusing to serve the control plane on ${host} without a control token: ` +
        `set ${CONTROL_TOKEN_ENV} (or pass --control-token), or listen on 127.0.0.1`,
    );
  }
  const count = Math.max(1, Math.floor(options.nodes ?? 1));
  const basePort = options.port ?? 8080;
  const apps: FastifyInstance[] = [];
  const nodes: { url: string; port: number }[] = [];
  const urlHost = host.includes(':') ? `[${host}]` : host;
  try {
    for (let index = 1; index <= count; index++) {
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
      registerEmRoutes(app, service, index);
      registerControlPlane(app, service, controlToken !== undefined ? { controlToken } : {});
      apps.push(app);
      await app.listen({ host, port: basePort === 0 ? 0 : basePort + index - 1 });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : basePort + index - 1;
      const url = `http://${urlHost}:${port}`;
      service.setNodeUrl(index, url);
      nodes.push({ url, port });
    }
  } catch (error) {
    service.close();
    await Promise.allSettled(apps.map((a) => a.close()));
    throw error;
  }
  const first = nodes[0]!;
  return {
    url: first.url,
    port: first.port,
    nodes,
    close: async () => {
      service.close();
      await Promise.all(apps.map((a) => a.close()));
    },
  };
}
