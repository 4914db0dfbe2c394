import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiTokenStore, createSessionStore } from '../../src/auth/sessions.js';
import { bookingAction } from '../../src/scheduler/action-keys.js';
import { schedulePhoneActions } from '../../src/scheduler/jobs.js';
import { HOUR_MS, createManualClock } from '../../src/time/clock.js';
import { createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite } from '../helpers/factories.js';

const NOW = '2026-12-01T10:00:00Z';
const TOKEN = 'scim-test-token-0123456789abcdef0123456789';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const EM = 'urn:roost:params:scim:schemas:extension:em:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const at = (h: number) => new Date(new Date(NOW).getTime() + h * HOUR_MS);

describe.each(dbTargets)('SCIM 2.0 at /scim/v2 (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock(NOW);

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock, {
      scimToken: TOKEN,
      publicUrl: 'https://roost.example.com',
      // Roles from group names without single sign-on: SCIM alone provisions here.
      groupRoles: { facilitiesGroups: ['Roost Facilities'], adminGroups: ['Roost Admins'] },
    });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function scim(method: string, url: string, body?: unknown, token: string | null = TOKEN) {
    const res = await app.inject({
      method: method as 'GET',
      url: `/scim/v2${url}`,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers };
  }

  let seq = 0;
  const newUser = (extra: Record<string, unknown> = {}) => {
    seq += 1;
    return {
      schemas: [USER, ENTERPRISE, EM],
      userName: `Person${seq}.${target}@Corp.example`,
      externalId: `ext-${target}-${seq}`,
      name: { givenName: 'Grace', familyName: `Hopper${seq}` },
      displayName: `Grace Hopper ${seq}`,
      active: true,
      emails: [{ value: `person${seq}.${target}@corp.example`, type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'Engineering' },
      [EM]: { emUserId: `ghopper${seq}${target}`, deviceProfile: `UDP-gh${seq}` },
      ...extra,
    };
  };

  describe('authentication and discovery', () => {
    it('refuses a missing or wrong bearer token with a SCIM error body', async () => {
      for (const token of [null, 'wrong-token', `${TOKEN}x`]) {
        const res = await scim('GET', '/Users', undefined, token);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.body).toMatchObject({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '401',
        });
      }
      // A Roost session is no way in either.
      const res = await app.inject({ method: 'GET', url: '/scim/v2/Users' });
      expect(res.statusCode).toBe(401);
    });

    it('describes itself: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
      const spc = await scim('GET', '/ServiceProviderConfig');
      expect(spc.status).toBe(200);
      expect(spc.body).toMatchObject({ patch: { supported: true }, filter: { supported: true } });
      expect(spc.body.authenticationSchemes[0].type).toBe('oauthbearertoken');
      const types = await scim('GET', '/ResourceTypes');
      expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(['User', 'Group']);
      expect(types.body.Resources[0].schemaExtensions.map((e: { schema: string }) => e.schema)).toEqual([
        ENTERPRISE,
        EM,
      ]);
      const schemas = await scim('GET', '/Schemas');
      expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toContain(EM);
      const em = await scim('GET', `/Schemas/${EM}`);
      expect(em.body.attributes.map((a: { name: string }) => a.name)).toEqual(['emUserId', 'deviceProfile']);
    });
  });

  describe('Users', () => {
    it('creates a user (userName = email) with the enterprise and EM extensions, and reads it back', async () => {
      const input = newUser();
      const res = await scim('POST', '/Users', input);
      expect(res.status).toBe(201);
      expect(res.headers.location).toBe(`https://roost.example.com/scim/v2/Users/${res.body.id}`);
      expect(res.body).toMatchObject({
        userName: input.userName.toLowerCase(),
        externalId: input.externalId,
        displayName: input.displayName,
        active: true,
        name: { givenName: 'Grace', familyName: input.name.familyName },
        [ENTERPRISE]: { department: 'Engineering' },
        [EM]: input[EM],
        meta: { resourceType: 'User' },
      });
      const row = await db.prisma.user.findUniqueOrThrow({ where: { id: Number(res.body.id) } });
      expect(row).toMatchObject({
        email: input.userName.toLowerCase(),
        emUserId: input[EM].emUserId,
        deviceProfile: input[EM].deviceProfile,
        department: 'Engineering',
        role: 'EMPLOYEE',
        disabled: false,
      });
      const read = await scim('GET', `/Users/${res.body.id}`);
      expect(read.body).toEqual(res.body);
      // Plain application/json bodies are read too.
      const json = await app.inject({
        method: 'POST',
        url: '/scim/v2/Users',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
        payload: JSON.stringify(newUser()),
      });
      expect(json.statusCode).toBe(201);
      // The same userName again is a conflict, as Entra ID and Okta expect.
      const again = await scim('POST', '/Users', { ...newUser(), userName: input.userName });
      expect(again.status).toBe(409);
      expect(again.body.scimType).toBe('uniqueness');
    });

    it('answers 409 uniqueness, never 500, when the same user is created several times at once', async () => {
      const input = newUser();
      const results = await Promise.all([1, 2, 3].map(() => scim('POST', '/Users', input)));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect(results.filter((r) => r.status === 409).map((r) => r.body.scimType)).toEqual([
        'uniqueness',
        'uniqueness',
      ]);
    });

    it('filters with eq (userName without regard to case, externalId exactly) and pages', async () => {
      const a = (await scim('POST', '/Users', newUser())).body;
      const byName = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${a.userName.toUpperCase()}"`)}`,
      );
      expect(byName.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(byName.body.Resources[0].id).toBe(a.id);
      const byExt = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`externalId eq "${a.externalId}"`)}`,
      );
      expect(byExt.body.Resources.map((u: { id: string }) => u.id)).toEqual([a.id]);
      const none = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent('userName eq "nobody@corp.example"')}`,
      );
      expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
      const dept = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`${ENTERPRISE}:department eq "engineering" and active eq true`)}`,
      );
      expect(dept.body.totalResults).toBeGreaterThanOrEqual(1);

      const all = await scim('GET', '/Users');
      const page = await scim('GET', '/Users?startIndex=2&count=1');
      expect(page.body).toMatchObject({
        totalResults: all.body.totalResults,
        startIndex: 2,
        itemsPerPage: 1,
      });
      expect(page.body.Resources[0].id).toBe(all.body.Resources[1].id);
      const zero = await scim('GET', '/Users?count=0');
      expect(zero.body).toMatchObject({ itemsPerPage: 0, Resources: [] });
    });

    it('answers a bad filter with 400 invalidFilter', async () => {
      for (const filter of ['userName eq', 'userName zz "x"', '(userName eq "a"']) {
        const res = await scim('GET', `/Users?filter=${encodeURIComponent(filter)}`);
        expect(res.status, filter).toBe(400);
        expect(res.body.scimType, filter).toBe('invalidFilter');
        expect(res.body.detail).toContain('filter');
      }
    });

    it('refuses an unknown attribute with a message naming it, and ignores core ones it does not keep', async () => {
      const res = await scim('POST', '/Users', newUser({ favouriteColour: 'green' }));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidSyntax');
      expect(res.body.detail).toContain('"favouriteColour"');
      const badEm = await scim('POST', '/Users', newUser({ [EM]: { emUserId: 'x', pin: '1234' } }));
      expect(badEm.status).toBe(400);
      expect(badEm.body.detail).toContain('"pin"');
      const withTitle = await scim('POST', '/Users', newUser({ title: 'Rear Admiral', phoneNumbers: [] }));
      expect(withTitle.status).toBe(201);
      const patchUnknown = await scim('PATCH', `/Users/${withTitle.body.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'add', path: 'shoeSize', value: '44' }],
      });
      expect(patchUnknown.status).toBe(400);
      expect(patchUnknown.body.detail).toContain('"shoeSize"');
    });

    it('updates with PUT and renames (a new userName is the new email)', async () => {
      const u = (await scim('POST', '/Users', newUser())).body;
      const renamed = `renamed.${u.id}@corp.example`;
      const res = await scim('PUT', `/Users/${u.id}`, {
        ...newUser(),
        externalId: u.externalId,
        userName: renamed,
        displayName: 'Grace B. Hopper',
        [EM]: { emUserId: `gbh${u.id}` },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: u.id, userName: renamed, displayName: 'Grace B. Hopper' });
      const row = await db.prisma.user.findUniqueOrThrow({ where: { id: Number(u.id) } });
      expect(row).toMatchObject({ email: renamed, displayName: 'Grace B. Hopper', emUserId: `gbh${u.id}` });
      expect(row.deviceProfile).toBeNull();
    });

    it('applies the PATCH bodies Entra ID sends (capitalised ops, path forms, "False" strings)', async () => {
      const u = (await scim('POST', '/Users', newUser())).body;
      const res = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [
          { op: 'Replace', path: 'displayName', value: 'Amazing Grace' },
          { op: 'Replace', path: 'name.familyName', value: 'Hopper-Murray' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ignored@corp.example' },
          { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Navy' },
          { op: 'Replace', path: `${EM}:emUserId`, value: `amazing${u.id}` },
          { op: 'Replace', path: 'userName', value: `amazing.${u.id}@corp.example` },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        displayName: 'Amazing Grace',
        userName: `amazing.${u.id}@corp.example`,
        name: { familyName: 'Hopper-Murray' },
        [ENTERPRISE]: { department: 'Navy' },
        [EM]: { emUserId: `amazing${u.id}` },
        active: true,
      });
      // Entra ID deactivates with the string "False" and reactivates with "True".
      const off = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });
      expect(off.body.active).toBe(false);
      const on = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
      });
      expect(on.body.active).toBe(true);
      const bad = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Replace', path: 'active', value: 'Maybe' }],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.scimType).toBe('invalidValue');
    });

    it('applies the PATCH bodies Okta sends (replace with a value object)', async () => {
      const u = (await scim('POST', '/Users', newUser())).body;
      const res = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [
          {
            op: 'replace',
            value: { displayName: 'Okta Grace', name: { givenName: 'Gracie', familyName: 'H' } },
          },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        displayName: 'Okta Grace',
        name: { givenName: 'Gracie', familyName: 'H' },
      });
      const off = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', value: { active: false } }],
      });
      expect(off.body.active).toBe(false);
      // Entra ID's value-object form with dotted keys works too.
      const entra = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Replace', value: { 'name.givenName': 'G.', active: 'True' } }],
      });
      expect(entra.body).toMatchObject({ name: { givenName: 'G.' }, active: true });
    });

    it('deactivating ends sessions and tokens, cancels future bookings, releases the current one and logs the phone out', async () => {
      const site = await createSite(db.prisma);
      const floor = await createFloor(db.prisma, site.id);
      const [d1, d2] = [await createDesk(db.prisma, floor.id), await createDesk(db.prisma, floor.id)];
      const u = (await scim('POST', '/Users', newUser())).body;
      const id = Number(u.id);
      const session = await createSessionStore(db, clock).create(id);
      const token = await createApiTokenStore(db, clock).issue(id);
      const current = await db.prisma.reservation.create({
        data: { userId: id, deskId: d1.id, startsAt: at(-1), endsAt: at(5), status: 'CHECKED_IN' },
      });
      const future = await db.prisma.reservation.create({
        data: { userId: id, deskId: d2.id, startsAt: at(24), endsAt: at(30) },
      });
      await schedulePhoneActions(db.prisma, current);
      await schedulePhoneActions(db.prisma, future);

      const res = await scim('PATCH', `/Users/${u.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      expect(res.body.active).toBe(false);
      expect(await createSessionStore(db, clock).lookup(session.token)).toBeNull();
      expect(await createApiTokenStore(db, clock).lookup(token)).toBeNull();
      const page = await app.inject({
        method: 'GET',
        url: '/api/v1/reservations',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(page.statusCode).toBe(401);
      expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: current.id } })).status).toBe(
        'RELEASED',
      );
      expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: future.id } })).status).toBe(
        'CANCELLED',
      );
      const logout = await db.prisma.phoneAction.findUniqueOrThrow({
        where: { idempotencyKey: bookingAction('LOGOUT', current.id).idempotencyKey },
      });
      expect(logout).toMatchObject({ state: 'PENDING', dueAt: at(0) });
      const audit = await db.prisma.auditEvent.findMany({ where: { subjectType: 'user', subjectId: u.id } });
      expect(audit.map((e) => e.action)).toContain('user.access-revoked');

      // Reactivation gives the account back (not the bookings).
      const back = await scim('PUT', `/Users/${u.id}`, { ...newUser(), userName: u.userName, active: true });
      expect(back.body.active).toBe(true);
      expect((await db.prisma.user.findUniqueOrThrow({ where: { id } })).disabled).toBe(false);
    });

    it('DELETE revokes access, hides the user (404), and the same userName can come back', async () => {
      const input = newUser();
      const u = (await scim('POST', '/Users', input)).body;
      const session = await createSessionStore(db, clock).create(Number(u.id));
      const del = await scim('DELETE', `/Users/${u.id}`);
      expect(del.status).toBe(204);
      expect(await createSessionStore(db, clock).lookup(session.token)).toBeNull();
      expect((await scim('GET', `/Users/${u.id}`)).status).toBe(404);
      expect((await scim('GET', `/Users/${u.id}`)).body.status).toBe('404');
      const filtered = await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${u.userName}"`)}`,
      );
      expect(filtered.body.totalResults).toBe(0);
      const again = await scim('POST', '/Users', input);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(u.id);
      expect(again.body.active).toBe(true);
    });
  });

  describe('Groups (teams and roles)', () => {
    it('creates a group with members, maps its name to a role, and follows membership changes (Entra ID form)', async () => {
      const a = (await scim('POST', '/Users', newUser())).body;
      const b = (await scim('POST', '/Users', newUser())).body;
      const role = async (id: string) =>
        (await db.prisma.user.findUniqueOrThrow({ where: { id: Number(id) } })).role;
      const g = await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Roost Facilities`,
        externalId: `grp-${target}`,
        members: [{ value: a.id }],
      });
      expect(g.status).toBe(201);
      expect(g.body.members.map((m: { value: string }) => m.value)).toEqual([a.id]);
      expect(await role(a.id)).toBe('FACILITIES');
      expect((await scim('GET', `/Users/${a.id}`)).body.groups).toEqual([
        expect.objectContaining({ value: g.body.id, display: 'Roost Facilities' }),
      ]);

      const add = await scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Add', path: 'members', value: [{ value: b.id }] }],
      });
      expect(add.status).toBe(200);
      expect(await role(b.id)).toBe('FACILITIES');
      const remove = await scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Remove', path: `members[value eq "${a.id}"]` }],
      });
      expect(remove.body.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
      expect(await role(a.id)).toBe('EMPLOYEE');

      // Entra ID asks for groups without members and finds them by displayName.
      const found = await scim(
        'GET',
        `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "roost facilities"')}`,
      );
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].members).toBeUndefined();

      // Renaming the group to an admin group makes its members admins; deleting it, employees.
      const rename = await scim('PATCH', `/Groups/${g.body.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'Replace', path: 'displayName', value: 'Roost Admins' }],
      });
      expect(rename.body.displayName).toBe('Roost Admins');
      expect(await role(b.id)).toBe('ADMIN');
      expect((await scim('DELETE', `/Groups/${g.body.id}`)).status).toBe(204);
      expect(await role(b.id)).toBe('EMPLOYEE');
      expect((await scim('GET', `/Groups/${g.body.id}`)).status).toBe(404);
    });

    it('applies the group PATCH bodies Okta sends (replace with a value object, add and remove members)', async () => {
      const a = (await scim('POST', '/Users', newUser())).body;
      const b = (await scim('POST', '/Users', newUser())).body;
      const g = (await scim('POST', '/Groups', { displayName: `Team Okta ${target}`, members: [] })).body;
      const add = await scim('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: a.id, display: a.userName }, { value: b.id }] },
        ],
      });
      expect(add.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a.id, b.id].sort());
      const rename = await scim('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', value: { id: g.id, displayName: `Team Okta renamed ${target}` } }],
      });
      expect(rename.body.displayName).toBe(`Team Okta renamed ${target}`);
      const team = await db.prisma.team.findUniqueOrThrow({
        where: { id: Number(g.id) },
        include: { members: true },
      });
      expect(team.name).toBe(`Team Okta renamed ${target}`);
      expect(team.members).toHaveLength(2);
      const removeAll = await scim('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'remove', path: 'members', value: [{ value: a.id }] }],
      });
      expect(removeAll.body.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
      // Okta's group push replaces the whole group with PUT.
      const put = await scim('PUT', `/Groups/${g.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `Team Okta renamed ${target}`,
        members: [{ value: a.id }],
      });
      expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([a.id]);
    });

    it('refuses an unknown member, a duplicate name and a malformed PATCH with SCIM errors', async () => {
      const name = `Dup ${target}`;
      expect((await scim('POST', '/Groups', { displayName: name })).status).toBe(201);
      const dup = await scim('POST', '/Groups', { displayName: name });
      expect(dup).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
      const unknown = await scim('POST', '/Groups', {
        displayName: `Other ${target}`,
        members: [{ value: '999999' }],
      });
      expect(unknown).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
      const g = (await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`)).body
        .Resources[0];
      const noOps = await scim('PATCH', `/Groups/${g.id}`, { schemas: [PATCH] });
      expect(noOps).toMatchObject({ status: 400, body: { scimType: 'invalidSyntax' } });
      const badOp = await scim('PATCH', `/Groups/${g.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'move' }],
      });
      expect(badOp.status).toBe(400);
      const notJson = await app.inject({
        method: 'POST',
        url: '/scim/v2/Groups',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
        payload: '{"displayName":',
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json()).toMatchObject({ scimType: 'invalidSyntax' });
    });
  });
});
