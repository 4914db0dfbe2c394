import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  PERSON_FIELDS,
  ROLES,
  type PeopleService,
  type PersonFields,
} from '../../../admin/people-service.js';
import { pick } from '../../../admin/validation.js';
import { asInput, iso, resourceRoutes } from './admin-api-helpers.js';

/** People (the People pages as JSON): accounts, roles (admins grant admin), disabling. */
const tags = ['admin'];
type Person = PersonFields & { id: number; createdAt: Date };

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

const personJson = (u: Person) => ({ id: u.id, ...pick(u, PERSON_FIELDS), createdAt: iso(u.createdAt) });

export async function peopleApi(app: FastifyInstance, opts: { people: PeopleService }) {
  const { people } = opts;
  const person = resourceRoutes(app, { base: '/api/v1/admin/people', access: 'staff', tags });

  person.list('People, 50 a page, by email', ListQuery, async ({ q, page }) => {
    const result = await people.list({
      ...(q !== undefined ? { q } : {}),
      ...(page !== undefined ? { page } : {}),
    });
    return {
      q: result.q,
      page: result.page,
      pages: result.pages,
      total: result.total,
      people: result.people.map(personJson),
    };
  });

  person.read('One person', async (id) => personJson(await people.get(id)));

  person.create(
    {
      summary: 'Create an account; a generated initial password is in the answer, this once',
      noStore: true,
    },
    PersonBody,
    async (actor, body) => {
      const { user, password, generated } = await people.create(actor, asInput(body));
      return { ...personJson(user), ...(generated ? { password } : {}) };
    },
  );

  person.update(
    { summary: 'Change a person; fields left out keep their values. Only admins change roles.' },
    PersonPatch,
    {
      current: async (id) => {
        const u = await people.get(id);
        return {
          displayName: u.displayName,
          emUserId: u.emUserId ?? '',
          deviceProfile: u.deviceProfile ?? '',
          homeSiteId: u.homeSiteId ?? '',
          disabled: u.disabled,
        };
      },
      save: async (actor, id, input) => personJson(await people.update(actor, id, input)),
    },
  );
}
