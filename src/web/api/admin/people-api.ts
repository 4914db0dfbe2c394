import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES, type PeopleService } from '../../../admin/people-service.js';
import { apiActor, asInput, bodyLimit, IdParams, iso, staff, type WithId } from './admin-api-helpers.js';

/** People (the People pages as JSON): accounts, roles (admins grant admin), disabling. */
const tags = ['admin'];

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Text = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);
const PersonBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Optional(Role),
    emUserId: Type.Optional(Text(128)),
    deviceProfile: Type.Optional(Text(128)),
    homeSiteId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    password: Type.Optional(
      Type.String({
        minLength: 12,
        maxLength: 200,
        description: 'Initial password; left out: one is generated',
      }),
    ),
  },
  { additionalProperties: false },
);
const PersonPatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    emUserId: Type.Optional(Text(128)),
    deviceProfile: Type.Optional(Text(128)),
    homeSiteId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
    disabled: Type.Optional(
      Type.Boolean({ description: 'true disables the account and ends its sessions and tokens' }),
    ),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of an email, name or EM user ID' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

const personJson = (u: {
  id: number;
  email: string;
  displayName: string;
  role: string;
  emUserId: string | null;
  deviceProfile: string | null;
  homeSiteId: number | null;
  disabled: boolean;
  language?: string | null;
  createdAt: Date;
}) => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  emUserId: u.emUserId,
  deviceProfile: u.deviceProfile,
  homeSiteId: u.homeSiteId,
  disabled: u.disabled,
  createdAt: iso(u.createdAt),
});

export async function peopleApi(app: FastifyInstance, opts: { people: PeopleService }) {
  const { people } = opts;

  app.get(
    '/api/v1/admin/people',
    { ...staff, schema: { tags, summary: 'People, 50 a page, by email', querystring: ListQuery } },
    async (request: FastifyRequest<{ Querystring: Static<typeof ListQuery> }>) => {
      const result = await people.list({
        ...(request.query.q !== undefined ? { q: request.query.q } : {}),
        ...(request.query.page !== undefined ? { page: request.query.page } : {}),
      });
      return {
        q: result.q,
        page: result.page,
        pages: result.pages,
        total: result.total,
        people: result.people.map(personJson),
      };
    },
  );

  app.get(
    '/api/v1/admin/people/:id',
    { ...staff, schema: { tags, summary: 'One person', params: IdParams } },
    async (request: WithId) => personJson(await people.get(request.params.id)),
  );

  app.post(
    '/api/v1/admin/people',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Create an account; a generated initial password is in the answer, this once',
        body: PersonBody,
      },
    },
    async (request: FastifyRequest<{ Body: Static<typeof PersonBody> }>, reply) => {
      const { user, password, generated } = await people.create(apiActor(request), asInput(request.body));
      reply
        .status(201)
        .header('location', `/api/v1/admin/people/${user.id}`)
        .header('cache-control', 'no-store');
      return { ...personJson(user), ...(generated ? { password } : {}) };
    },
  );

  app.patch(
    '/api/v1/admin/people/:id',
    {
      ...staff,
      bodyLimit,
      schema: {
        tags,
        summary: 'Change a person; fields left out keep their values. Only admins change roles.',
        params: IdParams,
        body: PersonPatch,
      },
    },
    async (request: FastifyRequest<{ Params: { id: number }; Body: Static<typeof PersonPatch> }>) => {
      const u = await people.get(request.params.id);
      const user = await people.update(
        apiActor(request),
        u.id,
        asInput(request.body, {
          displayName: u.displayName,
          emUserId: u.emUserId ?? '',
          deviceProfile: u.deviceProfile ?? '',
          homeSiteId: u.homeSiteId ?? '',
          disabled: u.disabled,
        }),
      );
      return personJson(user);
    },
  );
}
