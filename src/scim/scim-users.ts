import { revokeAccess } from '../admin/access-revocation.js';
import { auditTrail } from '../audit/audit-log.js';
import { NO_PASSWORD } from '../auth/oidc/oidc-accounts.js';
import type { Db, PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { ScimError, invalidValue, scimNotFound } from './scim-errors.js';
import { matcher, parseFilter, simpleEq } from './scim-filter.js';
import { scimBoolean } from './scim-patch.js';
import { scimActor, scimMeta, scimResource, taken, type Tx } from './scim-resource.js';
import { EM_SCHEMA, ENTERPRISE_SCHEMA, USER_SCHEMA } from './scim-schemas.js';

type UserRow = Db.User & { teams: { team: { id: number; name: string } }[] };

// Core User attributes of RFC 7643 that Roost accepts and does not keep (directories send
// them whenever they are mapped); anything else unknown is refused with a message.
const CORE_IGNORED = new Set(
  [
    'nickName',
    'profileUrl',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
    'password',
    'phoneNumbers',
    'ims',
    'photos',
    'addresses',
    'entitlements',
    'roles',
    'x509Certificates',
  ].map((a) => a.toLowerCase()),
);
const CORE_KEPT = new Set(
  [
    'schemas',
    'id',
    'externalId',
    'meta',
    'userName',
    'name',
    'displayName',
    'active',
    'emails',
    'groups',
  ].map((a) => a.toLowerCase()),
);
const EXTENSIONS = new Set([ENTERPRISE_SCHEMA.toLowerCase(), EM_SCHEMA.toLowerCase()]);
const EM_ATTRS = new Set(['emuserid', 'deviceprofile']);

export interface UserFields {
  email: string;
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  externalId: string | null;
  department: string | null;
  emUserId: string | null;
  deviceProfile: string | null;
}

const text = (v: unknown, name: string, max = 256): string | null => {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw invalidValue(`"${name}" must be a string.`);
  if (v.length > max) throw invalidValue(`"${name}" is longer than ${max} characters.`);
  return v.trim() || null;
};

/** Finds a key without regard to case (SCIM attribute names are case-insensitive). */
function pick(obj: unknown, key: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const k = Object.keys(obj).find((name) => name.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : (obj as Record<string, unknown>)[k];
}

/** Reads a SCIM User (POST, PUT, or the result of a PATCH) into the fields Roost keeps. */
export function userFields(resource: unknown): UserFields {
  if (!resource || typeof resource !== 'object' || Array.isArray(resource))
    throw new ScimError(400, 'The body must be a SCIM User object.', 'invalidSyntax');
  for (const key of Object.keys(resource)) {
    const k = key.toLowerCase();
    if (CORE_KEPT.has(k) || CORE_IGNORED.has(k) || EXTENSIONS.has(k)) continue;
    throw new ScimError(
      400,
      `Unknown attribute "${key}". Roost's User has the core attributes, the enterprise extension and ${EM_SCHEMA} (see /scim/v2/Schemas).`,
      'invalidSyntax',
    );
  }
  const em = pick(resource, EM_SCHEMA);
  if (em && typeof em === 'object') {
    for (const key of Object.keys(em))
      if (!EM_ATTRS.has(key.toLowerCase()))
        throw new ScimError(
          400,
          `Unknown attribute "${key}" in ${EM_SCHEMA}: it has emUserId and deviceProfile.`,
          'invalidSyntax',
        );
  }
  const userName = text(pick(resource, 'userName'), 'userName', 320);
  if (!userName) throw invalidValue('"userName" is required: the person\'s email address.');
  if (!/^[^\s@]+@[^\s@]+$/.test(userName))
    throw invalidValue(`"userName" must be the person's email address, not ${JSON.stringify(userName)}.`);
  const name = pick(resource, 'name');
  const givenName = text(pick(name, 'givenName'), 'name.givenName', 100);
  const familyName = text(pick(name, 'familyName'), 'name.familyName', 100);
  const formatted = text(pick(name, 'formatted'), 'name.formatted', 200);
  const displayName =
    text(pick(resource, 'displayName'), 'displayName', 200) ??
    formatted ??
    ([givenName, familyName].filter(Boolean).join(' ') || userName);
  const activeRaw = pick(resource, 'active');
  return {
    email: userName.toLowerCase(),
    displayName,
    givenName,
    familyName,
    active: activeRaw === undefined || activeRaw === null ? true : scimBoolean(activeRaw, 'active'),
    externalId: text(pick(resource, 'externalId'), 'externalId'),
    department: text(pick(pick(resource, ENTERPRISE_SCHEMA), 'department'), 'department'),
    emUserId: text(pick(em, 'emUserId'), 'emUserId', 128),
    deviceProfile: text(pick(em, 'deviceProfile'), 'deviceProfile', 128),
  };
}

export function createScimUsers(deps: { prisma: PrismaClient; clock: Clock; base: string }) {
  const { prisma, clock, base } = deps;
  const include = { teams: { include: { team: { select: { id: true, name: true } } } } } as const;

  function toScim(u: UserRow) {
    return {
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, EM_SCHEMA],
      id: String(u.id),
      ...(u.externalId ? { externalId: u.externalId } : {}),
      userName: u.email,
      name: {
        formatted: u.displayName,
        ...(u.givenName ? { givenName: u.givenName } : {}),
        ...(u.familyName ? { familyName: u.familyName } : {}),
      },
      displayName: u.displayName,
      active: !u.disabled,
      emails: [{ value: u.email, type: 'work', primary: true }],
      groups: u.teams.map((m) => ({
        value: String(m.team.id),
        display: m.team.name,
        $ref: `${base}/Groups/${m.team.id}`,
      })),
      [ENTERPRISE_SCHEMA]: u.department ? { department: u.department } : {},
      [EM_SCHEMA]: {
        ...(u.emUserId ? { emUserId: u.emUserId } : {}),
        ...(u.deviceProfile ? { deviceProfile: u.deviceProfile } : {}),
      },
      meta: scimMeta('User', u, base),
    };
  }
  type ScimUser = ReturnType<typeof toScim>;

  async function load(tx: Tx | PrismaClient, id: number): Promise<UserRow> {
    const u = await tx.user.findUnique({ where: { id }, include });
    if (!u || u.deprovisionedAt) throw scimNotFound('User', String(id));
    return u;
  }

  /** The pre-checks of the unique userName, externalId and EM user ID, naming who has them. */
  async function clashes(tx: Tx, f: UserFields, selfId: number | null) {
    const holder = (where: Db.Prisma.UserWhereInput) =>
      tx.user.findFirst({
        where: { ...where, ...(selfId === null ? {} : { id: { not: selfId } }) },
        select: { id: true, email: true },
      });
    const email = await holder({ email: f.email });
    if (email) throw taken(`A user with userName ${f.email} already exists (id ${email.id}).`);
    const ext = f.externalId ? await holder({ externalId: f.externalId }) : null;
    if (ext) throw taken(`externalId ${f.externalId} already belongs to user ${ext.id}.`);
    const em = f.emUserId ? await holder({ emUserId: f.emUserId }) : null;
    if (em) throw taken(`EM user ID ${f.emUserId} already belongs to ${em.email}.`);
  }

  /** Writes fields onto a person; deactivation takes effect at once through revokeAccess. */
  async function write(tx: Tx, before: Db.User | null, f: UserFields): Promise<number> {
    const audit = auditTrail(tx, scimActor, clock.now());
    await clashes(tx, f, before?.id ?? null);
    const data = {
      email: f.email,
      displayName: f.displayName,
      givenName: f.givenName,
      familyName: f.familyName,
      externalId: f.externalId,
      department: f.department,
      emUserId: f.emUserId,
      deviceProfile: f.deviceProfile,
      disabled: !f.active,
    };
    if (!before) {
      const created = await tx.user.create({ data: { ...data, passwordHash: NO_PASSWORD } });
      await audit('user.scim-create', 'user', created.id, { ...data });
      return created.id;
    }
    await tx.user.update({ where: { id: before.id }, data: { ...data, deprovisionedAt: null } });
    const changed = Object.fromEntries(
      Object.entries(data).filter(([k, v]) => (before as Record<string, unknown>)[k] !== v),
    );
    if (Object.keys(changed).length > 0 || before.deprovisionedAt) {
      await audit('user.scim-update', 'user', before.id, {
        before: Object.fromEntries(
          Object.keys(changed).map((k) => [k, (before as Record<string, unknown>)[k]]),
        ),
        after: changed,
      });
    }
    if (!f.active && !before.disabled)
      await revokeAccess(tx, before.id, scimActor, 'SCIM: active set to false', clock);
    return before.id;
  }

  const resource = scimResource(prisma, {
    type: 'User',
    load,
    show: toScim,
    fields: userFields,
    write,
    readOnly: ['groups'],
  });
  const { idOf, inTx } = resource;

  return {
    toScim,

    async list(filterText: string | undefined): Promise<ScimUser[]> {
      const where = { deprovisionedAt: null };
      if (!filterText) {
        return (await prisma.user.findMany({ where, include, orderBy: { id: 'asc' } })).map(toScim);
      }
      const filter = parseFilter(filterText);
      // The lookups directories make before they create (userName eq, externalId eq) go straight
      // to the database; anything else is evaluated on the SCIM representation.
      const eq = simpleEq(filter, ['userName', 'externalId', 'id']);
      if (eq) {
        const by =
          eq.attr === 'userName'
            ? { email: eq.value.toLowerCase() }
            : eq.attr === 'externalId'
              ? { externalId: eq.value }
              : /^\d{1,9}$/.test(eq.value)
                ? { id: Number(eq.value) }
                : { id: -1 };
        return (await prisma.user.findMany({ where: { ...where, ...by }, include })).map(toScim);
      }
      const test = matcher(filter);
      return (await prisma.user.findMany({ where, include, orderBy: { id: 'asc' } }))
        .map(toScim)
        .filter(test);
    },

    get: (id: string): Promise<ScimUser> => resource.shown(idOf(id)),

    async create(body: unknown): Promise<ScimUser> {
      const f = userFields(body);
      const id = await inTx(async (tx) => {
        // A person the directory deleted before comes back as the same account.
        const gone = await tx.user.findFirst({ where: { email: f.email, deprovisionedAt: { not: null } } });
        return write(tx, gone, f);
      });
      return resource.shown(id);
    },

    // groups is read-only on a User (RFC 7643 4.1.2): change membership through /Groups.
    replace: resource.replace,
    patch: resource.patch,

    /**
     * DELETE: access ends at once (sessions, tokens, bookings, phone), the person leaves every
     * team, and SCIM stops listing them. The row stays, disabled, for bookings' history and
     * the audit trail; creating the same userName again brings it back.
     */
    async remove(id: string): Promise<void> {
      await inTx(async (tx) => {
        const before = await load(tx, idOf(id));
        await revokeAccess(tx, before.id, scimActor, 'SCIM: user deleted', clock);
        await tx.teamMember.deleteMany({ where: { userId: before.id } });
        await tx.user.update({
          where: { id: before.id },
          data: { disabled: true, deprovisionedAt: clock.now(), externalId: null, oidcSubject: null },
        });
        await auditTrail(tx, scimActor, clock.now())('user.scim-delete', 'user', before.id, {
          email: before.email,
        });
      });
    },
  };
}
export type ScimUsers = ReturnType<typeof createScimUsers>;
