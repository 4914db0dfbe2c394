import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffActor } from '../../../admin/people-service.js';
import { RoostError, msg } from '../../../errors.js';

/** Shared pieces of the staff API (/api/v1/admin): access, ids, the acting person. */
export const staff = { config: { access: 'staff' as const } };
export const adminOnly = { config: { access: 'admin' as const } };
export const bodyLimit = 16 * 1024;

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

/** The caller as the audit trail's actor, with the role the services check. */
export function apiActor(request: FastifyRequest): StaffActor {
  const user = request.user;
  if (!user) throw new RoostError('UNAUTHENTICATED', msg('problem.access.signInFirst'));
  return { id: user.id, label: user.email, role: user.role };
}

/**
 * A JSON body as the form input the admin services read (the pages and the API share them):
 * null becomes '' (empty field), everything else stays as given; `defaults` fill what a
 * create leaves out, `current` what a PATCH leaves out.
 */
export function asInput(
  body: Record<string, unknown> | undefined,
  base: Record<string, unknown> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(body ?? {})) input[k] = v === null ? '' : v;
  return input;
}

export const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** What the OpenAPI document says of a route; a body limit other than the API's 16 KiB. */
export interface RouteDoc {
  summary: string;
  description?: string;
  bodyLimit?: number;
  /** The answer holds a secret shown this once (an initial password): never cached. */
  noStore?: boolean;
}

/**
 * The routes of one staff API resource under `base` (`/api/v1/admin/sites`), typed by the
 * TypeBox provider from their schemas. Each verb carries what CONTRACT.md fixes for all of
 * them: the access rule, the OpenAPI tags, an integer `:id`, the body limit, 201 with a
 * Location for a create and 204 for a delete. Routes of another shape use `api` directly.
 */
export function resourceRoutes(
  app: FastifyInstance,
  { base, access, tags }: { base: string; access: 'staff' | 'admin'; tags: string[] },
) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const config = { access };
  const withBody = ({ summary, description, bodyLimit: limit }: RouteDoc) => ({
    config,
    bodyLimit: limit ?? bodyLimit,
    schema: { tags, summary, ...(description ? { description } : {}) },
  });
  return {
    api,
    config,
    tags,

    /** GET base: the list, filtered and paged by `query` where the resource has one. */
    list<Q extends TSchema>(
      summary: string,
      query: Q | undefined,
      answer: (query: Static<Q>) => Promise<unknown>,
    ) {
      api.get(
        base,
        { config, schema: { tags, summary, ...(query ? { querystring: query } : {}) } },
        (request) => answer(request.query as Static<Q>),
      );
    },

    /** GET base + path (default `/:id`): what `show` answers for the id. */
    read(summary: string, show: (id: number) => Promise<unknown>, path = '/:id') {
      api.get(`${base}${path}`, { config, schema: { tags, summary, params: IdParams } }, (request) =>
        show(request.params.id),
      );
    },

    /** POST base: 201 with the created resource and its Location (base/id). */
    create<B extends TSchema>(
      doc: RouteDoc,
      body: B,
      save: (actor: StaffActor, body: Static<B>) => Promise<{ id: number }>,
    ) {
      const options = withBody(doc);
      api.post(base, { ...options, schema: { ...options.schema, body } }, async (request, reply) => {
        const created = await save(apiActor(request), request.body);
        reply.status(201).header('location', `${base}/${created.id}`);
        if (doc.noStore) reply.header('cache-control', 'no-store');
        return created;
      });
    },

    /**
     * PATCH base + path (default `/:id`) with only the fields to change: the services read a
     * whole form, so the fields left out keep the values `current` reads (404 when it is gone).
     */
    update(
      doc: RouteDoc,
      body: TSchema,
      edit: {
        current: (id: number) => Promise<Record<string, unknown>>;
        save: (actor: StaffActor, id: number, input: Record<string, unknown>) => Promise<unknown>;
      },
      path = '/:id',
    ) {
      const options = withBody(doc);
      api.patch(
        `${base}${path}`,
        { ...options, schema: { ...options.schema, params: IdParams, body } },
        async (request) => {
          const input = asInput(
            request.body as Record<string, unknown>,
            await edit.current(request.params.id),
          );
          return edit.save(apiActor(request), request.params.id, input);
        },
      );
    },

    /** DELETE base/:id: 204 once `run` has removed it. */
    remove(summary: string, run: (actor: StaffActor, id: number) => Promise<unknown>) {
      api.delete(
        `${base}/:id`,
        { config, schema: { tags, summary, params: IdParams } },
        async (request, reply) => {
          await run(apiActor(request), request.params.id);
          return reply.status(204).send();
        },
      );
    },
  };
}
