import { randomInt } from 'node:crypto';
import { hashPassword } from '../auth/passwords.js';
import type { Db } from '../db/database.js';
import { forbidden, invalidFields, invalidInput, msg, type Message } from '../errors.js';
import type { Role } from '../booking/booking-service.js';
import { revokeAccess } from './access-revocation.js';
import { mayChange, type StaffActor } from './people-permissions.js';
import { changeRunner, requireFound, type AdminDeps, type Tx } from './admin-deps.js';
import { readCsvTable } from './csv.js';
import { onePage } from './paging.js';
import { importRows, ImportProblems, LinesSeen, viaCsvLine } from './csv-import.js';
import { setTeam, teamNameOf, teamNames } from './person-team.js';
import { asCreated, changes, Fields, pick, type Input } from './validation.js';

/**
 * People: accounts, roles, EM identity. Passwords: staff either type an initial password
 * (at least 12 characters) or leave it blank and Roost generates one. Either way it is
 * shown once, on the page that answers the form, and only its argon2id hash is stored;
 * "Reset password" issues a new one the same way and signs the person out everywhere.
 * A CSV import generates a password for each new person and lists them once.
 *
 * Who may change whom is people-permissions.ts's mayChange, for the forms and the CSV alike.
 */
export type PeopleService = ReturnType<typeof createPeopleService>;

export const ROLES = ['EMPLOYEE', 'FACILITIES', 'ADMIN'] as const satisfies readonly Role[];
export type { Role, StaffActor };

/** Sessions end and API tokens stop working: after a role change or a password reset. */
async function endSessions(tx: Tx, userId: number, now: Date): Promise<void> {
  await tx.session.deleteMany({ where: { userId } });
  await tx.apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: now } });
}

export const PEOPLE_CSV_COLUMNS = {
  required: ['email', 'displayName'],
  optional: ['role', 'emUserId', 'deviceProfile', 'homeSite', 'team'],
} as const;

export const PAGE_SIZE = 50;
/** By name, as people look for each other; the email breaks ties between namesakes. */
const LISTED_BY_NAME = [
  { displayName: 'asc' },
  { email: 'asc' },
] satisfies Db.Prisma.UserOrderByWithRelationInput[];
/** What the people list shows beside each person. */
const LISTED_WITH = {
  homeSite: { select: { name: true } },
  teams: { select: { team: { select: { name: true } } } },
} as const satisfies Db.Prisma.UserInclude;

// No 0/o, 1/l/i: read aloud or copied from a screen without mistakes. 16 of 31 symbols ≈ 79 bits.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
export function generatePassword(): string {
  const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** What an account is, for the audit trail and the API (never its password hash). */
export const PERSON_FIELDS = [
  'email',
  'displayName',
  'role',
  'emUserId',
  'deviceProfile',
  'homeSiteId',
  'disabled',
] as const;
export type PersonFields = Pick<Db.User, (typeof PERSON_FIELDS)[number]>;
const snapshot = (u: PersonFields) => pick(u, PERSON_FIELDS);

/** The trail's before/after of an account and its team (`team` undefined: left as it was). */
function teamChanges(
  before: PersonFields,
  after: PersonFields,
  teamBefore: string | null,
  team?: string | null,
) {
  return changes(
    { ...snapshot(before), team: teamBefore },
    { ...snapshot(after), team: team === undefined ? teamBefore : team },
  );
}

function personFields(f: Fields) {
  const displayName = f.text('displayName', 'problem.label.name', { required: true, max: 100 });
  const emUserId = f.optionalText('emUserId', 'problem.label.emUserId', 128);
  if (emUserId && /[\s<>"'&]/.test(emUserId))
    f.fail('emUserId', 'problem.label.emUserId', msg('problem.people.badEmUserId'));
  const deviceProfile = f.optionalText('deviceProfile', 'problem.label.deviceProfile', 128);
  return { displayName, emUserId, deviceProfile };
}

function checkPassword(f: Fields): string | null {
  const password = f.raw('password');
  if (password === '') return null;
  if (password.length < 12 || password.length > 200)
    f.fail('password', 'problem.label.initialPassword', msg('problem.people.passwordLength'));
  return password;
}

const emUserIdTaken = (id: string, email: string) => msg('problem.people.emUserIdBelongs', { id, email });

async function emUserIdClash(tx: Tx, emUserId: string | null, selfId: number | null) {
  if (!emUserId) return null;
  // CUCM treats user IDs case-insensitively, and so does Roost (a unique index on lower()).
  const other = await tx.user.findFirst({
    where: {
      emUserId: { equals: emUserId, mode: 'insensitive' },
      ...(selfId ? { id: { not: selfId } } : {}),
    },
  });
  return other && other.id !== selfId ? other : null;
}

export function createPeopleService(deps: AdminDeps) {
  const { prisma, clock } = deps;
  const change = changeRunner(deps);
  async function siteIdFrom(
    f: Fields,
    field: string,
    label: string,
    byName: boolean,
  ): Promise<number | null> {
    const raw = f.raw(field);
    if (raw === '') return null;
    const site = byName
      ? await prisma.site.findFirst({ where: { name: { equals: raw, mode: 'insensitive' } } })
      : /^\d+$/.test(raw)
        ? await prisma.site.findUnique({ where: { id: Number(raw) } })
        : null;
    if (!site)
      f.fail(
        field,
        label,
        byName ? msg('problem.people.noSuchSite', { name: raw }) : msg('problem.people.listedSite'),
      );
    return site?.id ?? null;
  }

  function mayGrant(actor: StaffActor, role: Role) {
    if (mayChange(actor, null, { role })) throw forbidden(msg('problem.people.createAdmin'));
  }

  return {
    async list(query: { q?: string; page?: number }) {
      const q = (query.q ?? '').trim().slice(0, 100);
      const where: Db.Prisma.UserWhereInput = q
        ? {
            OR: [
              { email: { contains: q, mode: 'insensitive' } },
              { displayName: { contains: q, mode: 'insensitive' } },
              { emUserId: { contains: q, mode: 'insensitive' } },
            ],
          }
        : {};
      const { rows: people, ...paged } = await onePage(
        query.page,
        PAGE_SIZE,
        prisma.user.count({ where }),
        (window) => prisma.user.findMany({ where, orderBy: LISTED_BY_NAME, include: LISTED_WITH, ...window }),
      );
      return { q, ...paged, people };
    },

    /** The person, with their team (department) and the team names to suggest. */
    async get(id: number) {
      const user = requireFound(
        await prisma.user.findUnique({
          where: { id },
          include: { homeSite: { select: { id: true, name: true } } },
        }),
        'person',
      );
      return { ...user, team: await teamNameOf(prisma, id), teamNames: await teamNames(prisma) };
    },

    /** Creates an account; answers the initial password, to be shown once. */
    async create(actor: StaffActor, input: Input) {
      const f = new Fields(input);
      const email = f.email('email', 'problem.label.email');
      const role = f.oneOf('role', 'problem.label.role', ROLES, 'EMPLOYEE');
      const person = personFields(f);
      const homeSiteId = await siteIdFrom(f, 'homeSiteId', 'problem.label.homeSite', false);
      const typed = checkPassword(f);
      f.done();
      mayGrant(actor, role);
      const password = typed ?? generatePassword();
      const passwordHash = await hashPassword(password);
      const taken = () => invalidInput(msg('problem.people.taken', { email }));
      const user = await change(actor, { onDuplicate: taken }, async (tx, audit) => {
        if (await tx.user.findUnique({ where: { email } }))
          throw invalidFields({ email: msg('problem.people.hasAccount', { email }) });
        const clash = await emUserIdClash(tx, person.emUserId, null);
        if (clash) {
          throw invalidFields({ emUserId: emUserIdTaken(person.emUserId!, clash.email) });
        }
        const created = await tx.user.create({
          // Staff know this password: the person chooses their own at first sign-in.
          data: { email, role, ...person, homeSiteId, passwordHash, mustChangePassword: true },
        });
        await audit('user.create', 'user', created.id, asCreated(snapshot(created)));
        return created;
      });
      return { user, password, generated: typed === null };
    },

    async update(actor: StaffActor, id: number, input: Input) {
      const f = new Fields(input);
      const person = personFields(f);
      const homeSiteId = await siteIdFrom(f, 'homeSiteId', 'problem.label.homeSite', false);
      const disabled = f.boolean('disabled', 'problem.label.disabled');
      const team = f.isPresent('team')
        ? f.text('team', 'problem.label.team', { max: 80 }) || null
        : undefined;
      const roleGiven = f.raw('role') !== '';
      const role = roleGiven ? f.oneOf('role', 'problem.label.role', ROLES) : null;
      f.done();
      return change(actor, async (tx, audit) => {
        const before = requireFound(await tx.user.findUnique({ where: { id } }), 'person');
        switch (mayChange(actor, before, { role, disabled })) {
          case 'edit-admin':
            throw forbidden(msg('problem.people.editAdmin'));
          case 'change-role':
            throw forbidden(msg('problem.people.changeRole'));
          case 'own-role':
            throw invalidInput(msg('problem.people.ownRole'), {
              fields: { role: msg('problem.people.ownRoleField') },
            }).about('role');
          case 'disable-self':
            throw invalidFields({ disabled: msg('problem.people.disableSelf') });
        }
        const clash = await emUserIdClash(tx, person.emUserId, id);
        if (clash) {
          throw invalidFields({ emUserId: emUserIdTaken(person.emUserId!, clash.email) });
        }
        const teamBefore = await teamNameOf(tx, id);
        const user = await tx.user.update({
          where: { id },
          data: { ...person, homeSiteId, disabled, ...(role ? { role } : {}) },
        });
        if (team !== undefined) await setTeam(tx, id, team);
        // Disabling takes all access away at once (sessions, tokens, bookings, the phone);
        // a changed role ends the person's sessions and tokens.
        if (disabled && !before.disabled)
          await revokeAccess(tx, id, actor, 'account disabled by staff', clock);
        else if (user.role !== before.role) await endSessions(tx, id, clock.now());
        await audit('user.update', 'user', id, teamChanges(before, user, teamBefore, team));
        return user;
      });
    },

    /** A new generated password, shown once; the person is signed out everywhere. */
    async resetPassword(actor: StaffActor, id: number) {
      const target = requireFound(await prisma.user.findUnique({ where: { id } }), 'person');
      if (mayChange(actor, target, {}) === 'edit-admin') throw forbidden(msg('problem.people.resetAdmin'));
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      await change(actor, async (tx, audit) => {
        await tx.user.update({ where: { id }, data: { passwordHash, mustChangePassword: true } });
        await endSessions(tx, id, clock.now());
        await audit('user.password-reset', 'user', id, {});
      });
      return { user: target, password };
    },

    /**
     * Imports people from CSV, all or nothing, matched by email: new people are created with
     * a generated password (listed once in the answer), known people are updated. Columns
     * left out of the header keep their values; an empty role means EMPLOYEE for a new person
     * and "unchanged" for a known one.
     */
    async importCsv(actor: StaffActor, text: string) {
      const table = readCsvTable(text, PEOPLE_CSV_COLUMNS);
      if (table.rows.length === 0) throw invalidInput(msg('problem.people.noRows'));
      const problems = new ImportProblems();
      const emails = new LinesSeen();
      const emIds = new LinesSeen();
      const sites = new Map(
        (await prisma.site.findMany({ select: { id: true, name: true } })).map((s) => [
          s.name.toLowerCase(),
          s.id,
        ]),
      );
      const rows = table.rows.map((row) => {
        const f = problems.fields(row, table.columns);
        const email = f.email('email', 'problem.label.email');
        const role = f.raw('role') === '' ? null : f.oneOf('role', 'problem.label.role', ROLES);
        if (role && mayChange(actor, null, { role }) === 'grant-admin')
          f.fail('role', 'role', msg('problem.people.adminOnlyByAdmin'));
        const person = personFields(f);
        let homeSiteId: number | null | undefined;
        if (f.isPresent('homeSite')) {
          const name = f.raw('homeSite');
          homeSiteId = name === '' ? null : sites.get(name.toLowerCase());
          if (homeSiteId === undefined)
            f.fail('homeSite', 'homeSite', msg('problem.people.noSuchSite', { name }));
        }
        emails.check(f, 'email', email, row.line);
        if (person.emUserId)
          emIds.check(f, 'emUserId', person.emUserId, row.line, person.emUserId.toLowerCase());
        problems.keep(row.line, f);
        return {
          line: row.line,
          email,
          role,
          displayName: person.displayName,
          emUserId: f.isPresent('emUserId') ? person.emUserId : undefined,
          deviceProfile: f.isPresent('deviceProfile') ? person.deviceProfile : undefined,
          homeSiteId,
          team: f.isPresent('team') ? f.text('team', 'column "team"', { max: 80 }) || null : undefined,
        };
      });
      problems.throwIfAny();

      // argon2id is slow on purpose: hash new people's passwords before the transaction opens.
      const known = new Set(
        (
          await prisma.user.findMany({
            where: { email: { in: rows.map((r) => r.email) } },
            select: { email: true },
          })
        ).map((u) => u.email),
      );
      const passwords = new Map<string, { password: string; hash: string }>();
      for (const row of rows.filter((r) => !known.has(r.email))) {
        const password = generatePassword();
        passwords.set(row.email, { password, hash: await hashPassword(password) });
      }

      const result = await importRows(change, actor, 'user', rows, problems, async (tx, audit, row) => {
        const fail = (field: string, message: Message) => problems.add(row.line, field, message);
        const inColumn = (column: string, problem: Message) =>
          msg('problem.csv.columnProblem', { column, problem });
        const before = await tx.user.findUnique({ where: { email: row.email } });
        const clash = await emUserIdClash(tx, row.emUserId ?? null, before?.id ?? null);
        if (clash) {
          fail(
            'emUserId',
            inColumn(
              'emUserId',
              msg('problem.people.emUserIdTaken', { id: row.emUserId!, email: clash.email }),
            ),
          );
          return 'refused';
        }
        const data = {
          displayName: row.displayName,
          ...(row.emUserId !== undefined ? { emUserId: row.emUserId } : {}),
          ...(row.deviceProfile !== undefined ? { deviceProfile: row.deviceProfile } : {}),
          ...(row.homeSiteId !== undefined ? { homeSiteId: row.homeSiteId } : {}),
        };
        if (before) {
          const refusal = mayChange(actor, before, { role: row.role });
          if (refusal === 'edit-admin') {
            fail('email', msg('problem.people.isAdmin', { email: row.email }));
            return 'refused';
          }
          if (refusal === 'change-role') {
            fail(
              'role',
              inColumn('role', msg('problem.people.roleByAdmin', { email: row.email, role: before.role })),
            );
            return 'refused';
          }
          if (refusal === 'own-role') {
            fail('role', inColumn('role', msg('problem.people.ownRoleCsv')));
            return 'refused';
          }
          const teamBefore = await teamNameOf(tx, before.id);
          const user = await tx.user.update({
            where: { id: before.id },
            data: { ...data, ...(row.role ? { role: row.role } : {}) },
          });
          if (row.team !== undefined) await setTeam(tx, user.id, row.team);
          // As on the form: a changed role ends sessions and API tokens.
          if (user.role !== before.role) await endSessions(tx, user.id, clock.now());
          await audit('user.update', 'user', user.id, {
            ...teamChanges(before, user, teamBefore, row.team),
            ...viaCsvLine(row.line),
          });
          return 'updated';
        }
        const secret = passwords.get(row.email);
        if (!secret) {
          fail('email', msg('problem.people.createdMeanwhile', { email: row.email }));
          return 'refused';
        }
        const user = await tx.user.create({
          data: {
            email: row.email,
            role: row.role ?? 'EMPLOYEE',
            passwordHash: secret.hash,
            mustChangePassword: true,
            ...data,
          },
        });
        if (row.team) await setTeam(tx, user.id, row.team);
        await audit('user.create', 'user', user.id, {
          ...asCreated({ ...snapshot(user), team: row.team ?? null }),
          ...viaCsvLine(row.line),
        });
        return 'created';
      });
      return {
        ...result,
        passwords: rows
          .filter((r) => passwords.has(r.email))
          .map((r) => ({ email: r.email, password: passwords.get(r.email)!.password })),
      };
    },
  };
}
