import { auditTrail } from '../audit/audit-log.js';
import { mapsRoles, roleFromGroups, type GroupRoleLists } from '../auth/oidc/group-roles.js';
import type { Db, PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { ScimError, invalidValue, scimNotFound } from './scim-errors.js';
import { matcher, parseFilter, simpleEq } from './scim-filter.js';
import { scimActor, scimMeta, scimResource, taken, type Tx } from './scim-resource.js';
import { GROUP_SCHEMA } from './scim-schemas.js';

type TeamRow = Db.Team & { members: { user: { id: number; email: string; displayName: string } }[] };
const KNOWN = new Set(['schemas', 'id', 'externalid', 'meta', 'displayname', 'members']);

interface GroupFields {
  name: string;
  externalId: string | null;
  memberIds: number[];
}

function groupFields(resource: unknown): GroupFields {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource))
    throw new ScimError(400, 'The body must be a SCIM Group object.', 'invalidSyntax');
  const r = resource as Record<string, unknown>;
  const get = (name: string) => r[Object.keys(r).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''];
  for (const key of Object.keys(r))
    if (!KNOWN.has(key.toLowerCase()))
      throw new ScimError(
        400,
        `Unknown attribute "${key}": a Group has displayName, externalId and members.`,
        'invalidSyntax',
      );
  const name = get('displayName');
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200)
    throw invalidValue('"displayName" is required (up to 200 characters): the team\'s name.');
  const externalId = get('externalId');
  if (externalId !== undefined && externalId !== null && typeof externalId !== 'string')
    throw invalidValue('"externalId" must be a string.');
  const members = get('members') ?? [];
  if (!Array.isArray(members)) throw invalidValue('"members" must be a list of { "value": "<user id>" }.');
  const memberIds = members.map((m: unknown) => {
    const value = (m as { value?: unknown })?.value;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw invalidValue('Each member needs a "value": the id of a User.');
    if (!/^\d{1,9}$/.test(String(value)))
      throw invalidValue(`Member ${JSON.stringify(value)} is not a Roost User id.`);
    return Number(value);
  });
  return {
    name: name.trim(),
    externalId: (externalId as string | null | undefined) || null,
    memberIds: [...new Set(memberIds)],
  };
}

export function createScimGroups(deps: {
  prisma: PrismaClient;
  clock: Clock;
  base: string;
  roleLists: GroupRoleLists | undefined;
  log?: { warn(obj: object, msg?: string): void };
}) {
  const { prisma, clock, base, roleLists } = deps;
  const include = {
    members: {
      include: { user: { select: { id: true, email: true, displayName: true } } },
      orderBy: { userId: 'asc' },
    },
  } as const;

  function toScim(t: TeamRow, options: { members?: boolean } = {}) {
    return {
      schemas: [GROUP_SCHEMA],
      id: String(t.id),
      ...(t.externalId ? { externalId: t.externalId } : {}),
      displayName: t.name,
      ...(options.members === false
        ? {}
        : {
            members: t.members.map((m) => ({
              value: String(m.user.id),
              display: m.user.displayName,
              $ref: `${base}/Users/${m.user.id}`,
            })),
          }),
      meta: scimMeta('Group', t, base),
    };
  }
  type ScimGroup = ReturnType<typeof toScim>;

  async function load(tx: Tx | PrismaClient, id: number): Promise<TeamRow> {
    const t = await tx.team.findUnique({ where: { id }, include });
    if (!t) throw scimNotFound('Group', String(id));
    return t;
  }

  /** People whose groups changed get the role their groups give (when lists are configured). */
  async function syncRoles(tx: Tx, userIds: number[]) {
    if (!mapsRoles(roleLists) || userIds.length === 0) return;
    const people = await tx.user.findMany({
      where: { id: { in: userIds } },
      include: { teams: { include: { team: { select: { name: true } } } } },
    });
    for (const p of people) {
      const role = roleFromGroups(
        p.teams.map((m) => m.team.name),
        roleLists,
      );
      if (role === p.role) continue;
      await tx.user.update({ where: { id: p.id }, data: { role } });
      await auditTrail(tx, scimActor, clock.now())('user.role-from-groups', 'user', p.id, {
        before: p.role,
        after: role,
      });
    }
  }

  async function write(tx: Tx, before: TeamRow | null, f: GroupFields): Promise<number> {
    const clash = await tx.team.findFirst({
      where: { name: { equals: f.name, mode: 'insensitive' }, ...(before ? { id: { not: before.id } } : {}) },
    });
    if (clash) throw taken(`A group named "${f.name}" already exists (id ${clash.id}).`);
    if (f.externalId) {
      const ext = await tx.team.findFirst({
        where: { externalId: f.externalId, ...(before ? { id: { not: before.id } } : {}) },
      });
      if (ext) throw taken(`externalId ${f.externalId} already belongs to group ${ext.id}.`);
    }
    const known = await tx.user.findMany({
      where: { id: { in: f.memberIds }, deprovisionedAt: null },
      select: { id: true },
    });
    const memberIds = known.map((u) => u.id);
    const unknown = f.memberIds.filter((id) => !memberIds.includes(id));
    if (unknown.length > 0)
      throw invalidValue(`No such User: ${unknown.join(', ')}. Provision the users first.`);
    const team = before
      ? await tx.team.update({ where: { id: before.id }, data: { name: f.name, externalId: f.externalId } })
      : await tx.team.create({ data: { name: f.name, externalId: f.externalId } });
    const had = before ? before.members.map((m) => m.user.id) : [];
    const added = memberIds.filter((id) => !had.includes(id));
    const removed = had.filter((id) => !memberIds.includes(id));
    if (removed.length)
      await tx.teamMember.deleteMany({ where: { teamId: team.id, userId: { in: removed } } });
    if (added.length)
      await tx.teamMember.createMany({ data: added.map((userId) => ({ teamId: team.id, userId })) });
    const renamed = before !== null && before.name !== f.name;
    await auditTrail(tx, scimActor, clock.now())(
      before ? 'team.scim-update' : 'team.scim-create',
      'team',
      team.id,
      {
        name: f.name,
        ...(renamed ? { renamedFrom: before.name } : {}),
        added,
        removed,
      },
    );
    // A rename can change what role the whole team's names give.
    await syncRoles(tx, renamed ? [...new Set([...had, ...memberIds])] : [...added, ...removed]);
    return team.id;
  }

  const resource = scimResource(prisma, { type: 'Group', load, show: toScim, fields: groupFields, write });
  const { idOf, inTx } = resource;

  return {
    async list(filterText: string | undefined, options: { members?: boolean } = {}): Promise<ScimGroup[]> {
      const all = async (where = {}) =>
        (await prisma.team.findMany({ where, include, orderBy: { id: 'asc' } })).map((t) =>
          toScim(t, options),
        );
      if (!filterText) return all();
      const filter = parseFilter(filterText);
      const eq = simpleEq(filter, ['displayName', 'externalId']);
      if (eq?.attr === 'displayName') return all({ name: { equals: eq.value, mode: 'insensitive' } });
      if (eq?.attr === 'externalId') return all({ externalId: eq.value });
      // Other filters (e.g. members[value eq "5"]) need the members to be evaluated.
      const test = matcher(filter);
      return (await prisma.team.findMany({ include, orderBy: { id: 'asc' } }))
        .map((t) => toScim(t))
        .filter(test)
        .map((g) => (options.members === false ? { ...g, members: undefined } : g));
    },

    async get(id: string, options: { members?: boolean } = {}): Promise<ScimGroup> {
      return toScim(await load(prisma, idOf(id)), options);
    },

    async create(body: unknown): Promise<ScimGroup> {
      const f = groupFields(body);
      return resource.shown(await inTx((tx) => write(tx, null, f)));
    },

    replace: resource.replace,
    patch: resource.patch,

    async remove(id: string): Promise<void> {
      await inTx(async (tx) => {
        const before = await load(tx, idOf(id));
        await tx.team.delete({ where: { id: before.id } });
        await auditTrail(tx, scimActor, clock.now())('team.scim-delete', 'team', before.id, {
          name: before.name,
        });
        await syncRoles(
          tx,
          before.members.map((m) => m.user.id),
        );
      });
    },
  };
}
export type ScimGroups = ReturnType<typeof createScimGroups>;
