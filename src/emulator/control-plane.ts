/**
 * The test/admin control plane under /__sim/ (CONTROL.md, SPEC 13). JSON in, JSON out; it never
 * answers EM requests, and the EM paths never answer it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInstant } from './clock.js';
import type { EmService } from './em-service.js';
import { NODE_MODES, type FaultOp, type FaultSpec, type NodeMode } from './em-types.js';
import { FixtureRejected, validateFixture } from './fixture.js';
import { ParamsRejected, type EmulatorProfile } from './params.js';

class BadControlRequest extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw new BadControlRequest('body must be a JSON object');
  return body;
}

function onlyKeys(body: Record<string, unknown>, allowed: string[]): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new BadControlRequest(`unknown field: ${unknown.join(', ')}`);
}

export interface ControlPlaneOptions {
  /** When set, every control request must carry `Authorization: Bearer <token>`. */
  controlToken?: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time comparison of the presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}

/**
 * A browser on the operator's machine must not be able to drive the control plane for a page of
 * another site (a "simple" cross-site POST needs no preflight): requests that a browser marks as
 * cross-site, or whose Origin is not this server's own, are refused.
 */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

export function registerControlPlane(
  app: FastifyInstance,
  service: EmService,
  options: ControlPlaneOptions = {},
): void {
  app.register(
    async (sim) => {
      sim.addHook('onRequest', async (request, reply) => {
        if (crossSite(request)) {
          return reply
            .code(403)
            .send({ error: 'cross-site control requests are refused; call the control plane directly' });
        }
        if (
          options.controlToken !== undefined &&
          !tokenMatches(request.headers.authorization, options.controlToken)
        ) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="em-sim control plane"')
            .send({ error: 'the control plane needs Authorization: Bearer <control token>' });
        }
        return undefined;
      });

      sim.setErrorHandler((error, _request, reply) => {
        const isClientError =
          error instanceof BadControlRequest ||
          error instanceof ParamsRejected ||
          error instanceof FixtureRejected ||
          ((error as { statusCode?: number }).statusCode ?? 500) < 500;
        const status = isClientError ? ((error as { statusCode?: number }).statusCode ?? 400) : 500;
        return reply.code(status).send({ error: (error as Error).message });
      });

      sim.post('/reset', async (request) => {
        const body = bodyObject(request.body);
        onlyKeys(body, ['profile', 'fixture', 'now']);
        const input: {
          profile?: EmulatorProfile;
          fixture?: ReturnType<typeof validateFixture>;
          now?: number;
        } = {};
        if (body.profile !== undefined) {
          if (body.profile !== '4.1' && body.profile !== 'modern') {
            throw new BadControlRequest('profile must be "4.1" or "modern"');
          }
          input.profile = body.profile;
        }
        if (body.fixture !== undefined) input.fixture = validateFixture(body.fixture);
        if (body.now !== undefined) {
          const now = parseInstant(body.now);
          if (now === undefined) throw new BadControlRequest('now must be an ISO 8601 instant with a zone');
          input.now = now;
        }
        service.reset(input);
        return service.state();
      });

      sim.get('/state', async () => service.state());

      sim.post('/clock', async (request) => {
        const body = bodyObject(request.body);
        onlyKeys(body, ['advanceSeconds', 'set']);
        if (
          typeof body.advanceSeconds === 'number' &&
          Number.isFinite(body.advanceSeconds) &&
          body.set === undefined
        ) {
          return service.moveClock({ advanceMs: Math.round(body.advanceSeconds * 1000) });
        }
        const setAt = body.advanceSeconds === undefined ? parseInstant(body.set) : undefined;
        if (setAt === undefined) {
          throw new BadControlRequest('give either advanceSeconds (number) or set (ISO 8601 instant)');
        }
        return service.moveClock({ setAt });
      });

      sim.put('/params', async (request) => service.setParams(request.body ?? {}));

      sim.post('/faults', async (request) => {
        const body = bodyObject(request.body);
        onlyKeys(body, ['code', 'op', 'count', 'deviceName', 'userID']);
        const fault: FaultSpec = { code: integer(body.code, 'code', 0, 999) };
        if (body.op !== undefined) {
          const ops: FaultOp[] = ['login', 'logout', 'logoutAll', 'query'];
          if (!ops.includes(body.op as FaultOp))
            throw new BadControlRequest(`op must be one of ${ops.join(', ')}`);
          fault.op = body.op as FaultOp;
        }
        if (body.count !== undefined) fault.count = integer(body.count, 'count', 1, 1_000_000);
        if (body.deviceName !== undefined) fault.deviceName = text(body.deviceName, 'deviceName');
        if (body.userID !== undefined) fault.userID = text(body.userID, 'userID');
        return { pending: service.addFault(fault) };
      });

      sim.delete('/faults', async () => {
        service.clearFaults();
        return { pending: 0 };
      });

      sim.put<{ Params: { name: string } }>('/devices/:name', async (request, reply) => {
        const body = bodyObject(request.body);
        onlyKeys(body, ['emEnabled']);
        if (typeof body.emEnabled !== 'boolean') throw new BadControlRequest('emEnabled must be a boolean');
        const device = service.setDevice(request.params.name, { emEnabled: body.emEnabled });
        if (!device) return reply.code(404).send({ error: `no device ${request.params.name}` });
        return device;
      });

      sim.put<{ Params: { index: string } }>('/nodes/:index', async (request, reply) => {
        const body = bodyObject(request.body);
        onlyKeys(body, ['mode']);
        if (!NODE_MODES.includes(body.mode as NodeMode))
          throw new BadControlRequest(`mode must be one of ${NODE_MODES.join(', ')}`);
        const index = /^\d+$/.test(request.params.index) ? Number(request.params.index) : 0;
        const node = service.setNodeMode(index, body.mode as NodeMode);
        if (!node) return reply.code(404).send({ error: `no node ${request.params.index}` });
        return node;
      });

      sim.get<{ Querystring: { limit?: string } }>('/log', async (request) => {
        const raw = request.query.limit;
        const limit = raw === undefined ? 100 : Number(raw);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw new BadControlRequest('limit must be an integer 1..1000');
        }
        return service.requestLogTail(limit);
      });
    },
    { prefix: '/__sim' },
  );
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadControlRequest(`${field} must be an integer ${min}..${max}`);
  }
  return value;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new BadControlRequest(`${field} must be a non-empty string`);
  return value;
}
