import { createHash, timingSafeEqual } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUniqueViolation } from '../admin/admin-deps.js';
import { ScimError } from '../scim/scim-errors.js';
import type { ScimGroups } from '../scim/scim-groups.js';
import {
  MAX_PAGE,
  listResponse,
  resourceTypes,
  schemas,
  serviceProviderConfig,
} from '../scim/scim-schemas.js';
import type { ScimUsers } from '../scim/scim-users.js';

interface ScimRouteOptions {
  users: ScimUsers;
  groups: ScimGroups;
  /** ROOST_SCIM_TOKEN. */
  token: string;
  /** ROOST_PUBLIC_URL + /scim/v2: where resources' locations point. */
  base: string;
}

/** What the write routes need of the Users and the Groups service. */
interface ScimWrites {
  create(body: unknown): Promise<{ meta: { location: string } }>;
  replace(id: string, body: unknown): Promise<object>;
  patch(id: string, body: unknown): Promise<object>;
  remove(id: string): Promise<void>;
}

const SCIM_TYPE = 'application/scim+json; charset=utf-8';
const BODY_LIMIT = 1024 * 1024;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** RFC 7644 3.4.2: the query parameters of a GET; paging() and shape() read their content. */
const ScimQuery = Type.Object({
  filter: Type.Optional(Type.String()),
  startIndex: Type.Optional(Type.String()),
  count: Type.Optional(Type.String()),
  excludedAttributes: Type.Optional(Type.String()),
  attributes: Type.Optional(Type.String()),
});
type Query = Static<typeof ScimQuery>;
const ScimId = Type.Object({ id: Type.String() });

function paging(q: Query): { startIndex: number; count: number } {
  const int = (v: string | undefined, name: string, fallback: number) => {
    if (v === undefined || v === '') return fallback;
    if (!/^-?\d{1,9}$/.test(v))
      throw new ScimError(400, `"${name}" must be an integer, not ${JSON.stringify(v)}.`, 'invalidValue');
    return Number(v);
  };
  // RFC 7644 3.4.2.4: startIndex below 1 means 1; a negative count means 0.
  return {
    startIndex: Math.max(1, int(q.startIndex, 'startIndex', 1)),
    count: Math.min(MAX_PAGE, Math.max(0, int(q.count, 'count', 100))),
  };
}

const listed = (value: string | undefined) =>
  new Set(
    (value ?? '')
      .split(',')
      .map((a) => a.trim().toLowerCase())
      .filter(Boolean),
  );

/**
 * SCIM 2.0 provisioning (RFC 7643/7644) at /scim/v2 for Entra ID, Okta and the like. Authenticated
 * by ROOST_SCIM_TOKEN as a Bearer token (compared in constant time), not by sessions, so these
 * routes are `access: 'public'` to the session check and `bearerOnly` (no CSRF: no cookies).
 */
export async function scimRoutes(app: FastifyInstance, opts: ScimRouteOptions) {
  const { users, groups, base } = opts;
  const expected = digest(opts.token);
  const config = { access: 'public' as const, bearerOnly: true };

  app.addContentTypeParser(
    ['application/scim+json', 'application/json'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(body as string));
      } catch {
        done(new ScimError(400, 'The body is not valid JSON.', 'invalidSyntax'));
      }
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      reply.header('www-authenticate', 'Bearer realm="Roost SCIM"');
      throw new ScimError(
        401,
        match
          ? 'The bearer token is not the SCIM token of this Roost (ROOST_SCIM_TOKEN).'
          : 'Send Authorization: Bearer <ROOST_SCIM_TOKEN>.',
      );
    }
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-type', SCIM_TYPE);
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler(
    async (error: FastifyError | ScimError, request: FastifyRequest, reply: FastifyReply) => {
      let scim: ScimError;
      if (error instanceof ScimError) scim = error;
      else if ((error as FastifyError).validation) scim = new ScimError(400, error.message, 'invalidSyntax');
      // Two requests raced past the pre-checks for the same userName, externalId or name.
      else if (isUniqueViolation(error))
        scim = new ScimError(
          409,
          'That userName, externalId, EM user ID or group name is already taken.',
          'uniqueness',
        );
      else if ((error as FastifyError).statusCode === 413)
        scim = new ScimError(413, 'The request is too large.');
      else if ((error as FastifyError).statusCode === 415)
        scim = new ScimError(415, 'Send the body as application/scim+json.');
      else if (
        typeof (error as FastifyError).statusCode === 'number' &&
        (error as FastifyError).statusCode! < 500
      )
        scim = new ScimError((error as FastifyError).statusCode!, error.message);
      else {
        request.log.error({ err: error }, 'SCIM request failed');
        scim = new ScimError(500, `Something went wrong on Roost's side (request id ${request.id}).`);
      }
      reply.status(scim.status);
      return scim.body();
    },
  );

  app.setNotFoundHandler(async (request, reply) => {
    reply.status(404);
    return new ScimError(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}.`).body();
  });

  /** excludedAttributes / attributes on the top level (Entra ID asks for excludedAttributes=members). */
  function shape<T extends Record<string, unknown>>(resource: T, q: Query): T {
    const excluded = listed(q.excludedAttributes);
    const only = listed(q.attributes);
    const always = new Set(['schemas', 'id', 'meta']);
    return Object.fromEntries(
      Object.entries(resource).filter(([k]) => {
        const key = k.toLowerCase();
        if (always.has(key)) return true;
        if (only.size > 0)
          return only.has(key) || [...only].some((a) => a.startsWith(`${key}.`) || a.startsWith(`${key}:`));
        return !excluded.has(key);
      }),
    ) as T;
  }

  const list = <T extends Record<string, unknown>>(all: T[], q: Query) => {
    const { startIndex, count } = paging(q);
    const page = listResponse(all, startIndex, count);
    return { ...page, Resources: page.Resources.map((r) => shape(r, q)) };
  };

  // Bodies stay unknown here: the SCIM services read and check them (RFC 7643 attribute rules).
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const withQuery = { config, schema: { querystring: ScimQuery } };
  const withId = { config, schema: { params: ScimId } };
  const withIdAndQuery = { config, schema: { params: ScimId, querystring: ScimQuery } };

  /** Create (201 with its location), replace, patch and delete: alike for Users and Groups. */
  function writes(path: '/Users' | '/Groups', resources: ScimWrites) {
    typed.post(path, { config }, async (request, reply) => {
      const created = await resources.create(request.body);
      reply.status(201).header('location', created.meta.location);
      return created;
    });
    typed.put(`${path}/:id`, withId, async (request) => resources.replace(request.params.id, request.body));
    typed.patch(`${path}/:id`, withId, async (request) => resources.patch(request.params.id, request.body));
    typed.delete(`${path}/:id`, withId, async (request, reply) => {
      await resources.remove(request.params.id);
      return reply.status(204).send();
    });
  }

  // Discovery.
  app.get('/ServiceProviderConfig', { config }, async () => serviceProviderConfig(base));
  app.get('/ResourceTypes', { config }, async () => {
    const all = resourceTypes(base);
    return listResponse(all, 1, all.length);
  });
  typed.get('/ResourceTypes/:id', withId, async (request) => {
    const found = resourceTypes(base).find((r) => r.id === request.params.id);
    if (!found) throw new ScimError(404, `No resource type ${request.params.id}.`);
    return found;
  });
  app.get('/Schemas', { config }, async () => {
    const all = schemas(base);
    return listResponse(all, 1, all.length);
  });
  typed.get('/Schemas/:id', withId, async (request) => {
    const found = schemas(base).find((s) => (s as { id?: unknown }).id === request.params.id);
    if (!found) throw new ScimError(404, `No schema ${request.params.id}.`);
    return found;
  });

  // Users.
  typed.get('/Users', withQuery, async (request) =>
    list(await users.list(request.query.filter), request.query),
  );
  typed.get('/Users/:id', withIdAndQuery, async (request) =>
    shape(await users.get(request.params.id), request.query),
  );
  writes('/Users', users);

  // Groups (teams).
  const membersWanted = (q: Query) => !listed(q.excludedAttributes).has('members');
  typed.get('/Groups', withQuery, async (request) =>
    list(await groups.list(request.query.filter, { members: membersWanted(request.query) }), request.query),
  );
  typed.get('/Groups/:id', withIdAndQuery, async (request) =>
    shape(await groups.get(request.params.id, { members: membersWanted(request.query) }), request.query),
  );
  writes('/Groups', groups);
}
