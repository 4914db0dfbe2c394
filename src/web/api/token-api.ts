import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiTokenInfo, ApiTokenStore } from '../../auth/sessions.js';
import { notFound } from '../../errors.js';

/**
 * A person's own API tokens (issue 18): `GET /api/v1/tokens` lists the working ones (never the
 * secret, which is shown once at creation), `DELETE /api/v1/tokens/:id` revokes one. Creating
 * one is `POST /api/v1/tokens` with email and password (auth-routes.ts).
 */
const tags = ['auth'];
const IdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);
const TokenJson = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const tokenJson = (t: ApiTokenInfo) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  expiresAt: t.expiresAt?.toISOString() ?? null,
});

export async function tokenApi(app: FastifyInstance, opts: { tokens: ApiTokenStore }) {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    '/api/v1/tokens',
    {
      config: { access: 'user' },
      schema: {
        tags,
        summary: 'My API tokens that still work (not revoked, not expired)',
        response: { 200: Type.Object({ tokens: Type.Array(TokenJson) }) },
      },
    },
    async (request) => ({
      tokens: (await opts.tokens.list(request.user!.id)).map(tokenJson),
    }),
  );

  typed.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'user' },
      schema: { tags, summary: 'Revoke one of my API tokens', params: IdParams },
    },
    async (request, reply) => {
      // Someone else's token answers like a missing one.
      if (!(await opts.tokens.revokeById(request.user!.id, request.params.id)))
        throw notFound('token', request.params.id);
      return reply.status(204).send();
    },
  );
}
