import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { apiToken, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 1 Dec 2026, 08:00 in Berlin (UTC+1).
const NOW = '2026-12-01T07:00:00Z';
const PLAN =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 400"><rect width="800" height="400"/></svg>';

/**
 * The staff API through app.inject: each resource's list/read/create/update/disable, the same
 * rules and audit entries as the pages (the services are shared), 400/403/404/409/422.
 */
describe.each(dbTargets)('staff API /api/v1/admin (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let clock: ManualClock;
  let employee: { id: number; email: string; token: string };
  let facilities: { id: number; email: string; token: string };
  let admin: { id: number; email: string; token: string };
  let siteId: number;
  let floorId: number;
  let deskIds: number[];

  type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  const call = (
    who: { token: string } | null,
    method: Method,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      headers: { ...(who ? { authorization: `Bearer ${who.token}` } : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  const lastAudit = async (action: string) =>
    db.prisma.auditEvent.findFirst({ where: { action }, orderBy: { id: 'desc' } });

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    siteId = site.id;
    floorId = (await createFloor(db.prisma, site.id)).id;
    deskIds = [];
    for (let i = 0; i < 3; i++) deskIds.push((await createDesk(db.prisma, floorId)).id);
    app = await createTestApp(db, clock);
    const mk = async (role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN') => {
      const u = await createUser(db.prisma, { role, homeSiteId: site.id });
      return { id: u.id, email: u.email, token: await apiToken(app, u.email) };
    };
    employee = await mk('EMPLOYEE');
    facilities = await mk('FACILITIES');
    admin = await mk('ADMIN');
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });
  beforeEach(() => clock.set(NOW));

  it('sites and floors: delete only when empty (409 while they hold floors or desks), audited', async () => {
    const site = await call(facilities, 'POST', '/api/v1/admin/sites', {
      name: 'Leipzig',
      timeZone: 'Europe/Berlin',
    });
    expect(site.statusCode).toBe(201);
    const newSiteId = site.json<{ id: number }>().id;
    const floor = await call(facilities, 'POST', '/api/v1/admin/floors', {
      siteId: newSiteId,
      name: 'Ground',
    });
    expect(floor.statusCode).toBe(201);
    const newFloorId = floor.json<{ id: number }>().id;

    // The fixture's floor holds desks, and the new site a floor: both are refused, nothing removed.
    const busyFloor = await call(facilities, 'DELETE', `/api/v1/admin/floors/${floorId}`);
    expect(busyFloor.statusCode).toBe(409);
    expect(busyFloor.json<{ message: string }>().message).toMatch(/still has 3 desk\(s\)/);
    const busySite = await call(facilities, 'DELETE', `/api/v1/admin/sites/${newSiteId}`);
    expect(busySite.statusCode).toBe(409);
    expect(await db.prisma.floor.count({ where: { id: { in: [floorId, newFloorId] } } })).toBe(2);
    expect((await call(employee, 'DELETE', `/api/v1/admin/floors/${newFloorId}`)).statusCode).toBe(403);

    expect((await call(facilities, 'DELETE', `/api/v1/admin/floors/${newFloorId}`)).statusCode).toBe(204);
    expect(await lastAudit('floor.delete')).toMatchObject({
      subjectId: String(newFloorId),
      actorId: facilities.id,
    });
    expect((await call(facilities, 'DELETE', `/api/v1/admin/sites/${newSiteId}`)).statusCode).toBe(204);
    expect(await lastAudit('site.delete')).toMatchObject({ subjectId: String(newSiteId) });
    expect((await call(facilities, 'GET', `/api/v1/admin/sites/${newSiteId}`)).statusCode).toBe(404);
    expect((await call(facilities, 'DELETE', `/api/v1/admin/sites/${newSiteId}`)).statusCode).toBe(404);
  });

  it('sites: create, read, change (audited with before and after), and the refusals', async () => {
    const created = await call(facilities, 'POST', '/api/v1/admin/sites', {
      name: 'Hamburg',
      timeZone: 'Europe/Berlin',
      address: 'Hafen 1',
    });
    expect(created.statusCode, created.body).toBe(201);
    const site = created.json();
    expect(site).toMatchObject({ name: 'Hamburg', timeZone: 'Europe/Berlin', emClusterId: null });
    expect((await lastAudit('site.create'))?.actorLabel).toBe(facilities.email);

    const patched = await call(facilities, 'PATCH', `/api/v1/admin/sites/${site.id}`, { address: 'Hafen 2' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Hamburg', address: 'Hafen 2' });
    expect((await lastAudit('site.update'))?.details).toEqual({
      before: { address: 'Hafen 1' },
      after: { address: 'Hafen 2' },
    });
    expect((await call(facilities, 'GET', `/api/v1/admin/sites/${site.id}`)).json().address).toBe('Hafen 2');

    const dup = await call(facilities, 'POST', '/api/v1/admin/sites', { name: 'Hamburg', timeZone: 'UTC' });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().message).toMatch(/already exists/);
    const zone = await call(facilities, 'PATCH', `/api/v1/admin/sites/${site.id}`, {
      timeZone: 'Mars/Olympus',
    });
    expect(zone.statusCode).toBe(400);
    expect(zone.json().message).toMatch(/not an IANA time zone/);
    const extra = await call(facilities, 'POST', '/api/v1/admin/sites', {
      name: 'X',
      timeZone: 'UTC',
      id: 5,
    });
    expect(extra.statusCode).toBe(400);
    expect((await call(facilities, 'GET', '/api/v1/admin/sites/999999')).statusCode).toBe(404);
    expect(
      (await call(employee, 'POST', '/api/v1/admin/sites', { name: 'E', timeZone: 'UTC' })).statusCode,
    ).toBe(403);
    expect((await call(null, 'GET', `/api/v1/admin/sites/${site.id}`)).statusCode).toBe(401);
  });

  it('booking policies: read and change per site, with the same checks as the page', async () => {
    const got = await call(facilities, 'GET', `/api/v1/admin/sites/${siteId}/policy`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ siteId, maxBookingMinutes: 600, workingDays: [1, 2, 3, 4, 5] });

    const changed = await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}/policy`, {
      maxBookingMinutes: 480,
      releaseNoShowAfterMinutes: 30,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      maxBookingMinutes: 480,
      releaseNoShowAfterMinutes: 30,
      workdayStartMinute: 420,
    });
    expect((await lastAudit('policy.update'))?.details).toEqual({
      before: { maxBookingMinutes: 600, releaseNoShowAfterMinutes: null },
      after: { maxBookingMinutes: 480, releaseNoShowAfterMinutes: 30 },
    });

    const backwards = await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}/policy`, {
      workdayStartMinute: 600,
      workdayEndMinute: 540,
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().message).toMatch(/Working hours end must be after the start/);
    const tooLong = await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}/policy`, {
      maxBookingMinutes: 5,
    });
    expect(tooLong.statusCode).toBe(400);
    // Back to what the other tests expect.
    await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}/policy`, {
      maxBookingMinutes: 600,
      releaseNoShowAfterMinutes: null,
    });
    expect((await call(employee, 'GET', `/api/v1/admin/sites/${siteId}/policy`)).statusCode).toBe(403);
  });

  it('floors and plans: create, list, change, upload and fetch the SVG; unsafe SVG refused', async () => {
    const created = await call(facilities, 'POST', '/api/v1/admin/floors', {
      siteId,
      name: 'Roof',
      level: 9,
    });
    expect(created.statusCode, created.body).toBe(201);
    const floor = created.json();
    expect(floor).toMatchObject({ siteId, name: 'Roof', level: 9, hasPlan: false });
    expect((await call(facilities, 'GET', '/api/v1/admin/floors')).json().floors).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: floor.id, desks: 0 })]),
    );
    expect((await call(facilities, 'GET', `/api/v1/admin/floors/${floor.id}/plan`)).statusCode).toBe(404);

    const put = (body: string) =>
      call(facilities, 'PUT', `/api/v1/admin/floors/${floor.id}/plan`, body, {
        'content-type': 'image/svg+xml',
      });
    const uploaded = await put(PLAN);
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect(uploaded.json()).toMatchObject({ hasPlan: true, planWidth: 800, planHeight: 400 });
    const plan = await call(facilities, 'GET', `/api/v1/admin/floors/${floor.id}/plan`);
    expect(plan.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(plan.headers['content-disposition']).toMatch(/^attachment/);
    expect(plan.body).toBe(PLAN);
    expect((await lastAudit('floor.plan'))?.subjectId).toBe(String(floor.id));

    const evil = await put(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>',
    );
    expect(evil.statusCode).toBe(400);
    expect(evil.json().message).toMatch(/script/i);

    const renamed = await call(facilities, 'PATCH', `/api/v1/admin/floors/${floor.id}`, {
      name: 'Roof garden',
    });
    expect(renamed.json()).toMatchObject({ name: 'Roof garden', level: 9, planWidth: 800 });
    const clash = await call(facilities, 'POST', '/api/v1/admin/floors', { siteId, name: 'Roof garden' });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().message).toMatch(/already has a floor/);
    expect((await call(facilities, 'PATCH', '/api/v1/admin/floors/999999', { name: 'x' })).statusCode).toBe(
      404,
    );
    expect((await call(employee, 'GET', '/api/v1/admin/floors')).statusCode).toBe(403);
  });

  it('desks with phones: add, change, take out of use, unlink the phone; clashes named', async () => {
    const created = await call(facilities, 'POST', `/api/v1/admin/floors/${floorId}/desks`, {
      label: 'API-1',
      features: ['standing', 'dual-monitor'],
      posX: 10,
      posY: 20,
      phone: 'sep00aa00bb00cc',
    });
    expect(created.statusCode, created.body).toBe(201);
    const desk = created.json();
    expect(desk).toMatchObject({
      label: 'API-1',
      bookable: true,
      features: ['standing', 'dual-monitor'],
      phone: { deviceName: 'SEP00AA00BB00CC' },
    });
    expect((await lastAudit('desk.create'))?.details).toMatchObject({ after: { phone: 'SEP00AA00BB00CC' } });

    const other = await call(facilities, 'POST', `/api/v1/admin/floors/${floorId}/desks`, {
      label: 'API-2',
      phone: 'SEP00AA00BB00CC',
    });
    expect(other.statusCode).toBe(400);
    expect(other.json().message).toMatch(/already on desk API-1/);
    const badPhone = await call(facilities, 'POST', `/api/v1/admin/floors/${floorId}/desks`, {
      label: 'API-3',
      phone: 'phone-7',
    });
    expect(badPhone.statusCode).toBe(400);
    expect(badPhone.json().message).toMatch(/not a Cisco device name/);
    const dup = await call(facilities, 'POST', `/api/v1/admin/floors/${floorId}/desks`, { label: 'API-1' });
    expect(dup.json().message).toMatch(/already has a desk labelled "API-1"/);

    const disabled = await call(facilities, 'PATCH', `/api/v1/admin/desks/${desk.id}`, { bookable: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({
      bookable: false,
      features: ['standing', 'dual-monitor'],
      posX: 10,
    });
    expect((await lastAudit('desk.update'))?.details).toEqual({
      before: { bookable: true },
      after: { bookable: false },
    });
    const unlinked = await call(facilities, 'PATCH', `/api/v1/admin/desks/${desk.id}`, { phone: null });
    expect(unlinked.json().phone).toBeNull();
    expect((await call(facilities, 'GET', `/api/v1/admin/desks/${desk.id}`)).json()).toMatchObject({
      bookable: false,
      phone: null,
    });
    // An out-of-use desk cannot be booked through the API either.
    const booked = await call(employee, 'POST', '/api/v1/reservations', {
      deskId: desk.id,
      start: '2026-12-02T09:00:00+01:00',
      end: '2026-12-02T10:00:00+01:00',
    });
    expect(booked.statusCode).toBe(422);
    expect((await call(facilities, 'GET', '/api/v1/admin/desks/999999')).statusCode).toBe(404);
    expect(
      (await call(employee, 'PATCH', `/api/v1/admin/desks/${desk.id}`, { bookable: true })).statusCode,
    ).toBe(403);
  });

  it('people: create (generated password once), find, change, disable (ends tokens); roles stay with admins', async () => {
    const created = await call(facilities, 'POST', '/api/v1/admin/people', {
      email: 'New.Person@Test.Example',
      displayName: 'New Person',
      emUserId: 'nperson',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const person = created.json();
    expect(person).toMatchObject({ email: 'new.person@test.example', role: 'EMPLOYEE', disabled: false });
    expect(person.password).toMatch(/^\w{4}-\w{4}-\w{4}-\w{4}$/);
    expect(JSON.stringify(await lastAudit('user.create'))).not.toContain(person.password);
    // The staff-set password works, but the person must choose their own before getting a token
    // (issue 18); here they have done so.
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: person.email, password: person.password },
    });
    expect(refused.statusCode).toBe(403);
    await db.prisma.user.update({ where: { id: person.id }, data: { mustChangePassword: false } });
    const token = await apiToken(app, person.email, person.password);

    const found = await call(facilities, 'GET', '/api/v1/admin/people?q=nperson');
    expect(found.json()).toMatchObject({ total: 1, people: [{ id: person.id }] });
    expect(found.body).not.toContain('passwordHash');
    expect((await call(facilities, 'GET', `/api/v1/admin/people/${person.id}`)).json().emUserId).toBe(
      'nperson',
    );

    const asAdmin = await call(facilities, 'POST', '/api/v1/admin/people', {
      email: 'boss@test.example',
      displayName: 'Boss',
      role: 'ADMIN',
    });
    expect(asAdmin.statusCode).toBe(403);
    expect(asAdmin.json().message).toBe('Only administrators can create administrators.');
    const promote = await call(facilities, 'PATCH', `/api/v1/admin/people/${person.id}`, {
      role: 'FACILITIES',
    });
    expect(promote.statusCode).toBe(403);
    const promoted = await call(admin, 'PATCH', `/api/v1/admin/people/${person.id}`, { role: 'FACILITIES' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json()).toMatchObject({
      role: 'FACILITIES',
      emUserId: 'nperson',
      displayName: 'New Person',
    });

    const again = await call(facilities, 'POST', '/api/v1/admin/people', {
      email: 'new.person@test.example',
      displayName: 'Twin',
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().message).toMatch(/already has an account/);

    const disabled = await call(admin, 'PATCH', `/api/v1/admin/people/${person.id}`, { disabled: true });
    expect(disabled.json().disabled).toBe(true);
    expect((await lastAudit('user.update'))?.details).toEqual({
      before: { disabled: false },
      after: { disabled: true },
    });
    expect((await call({ token }, 'GET', '/api/v1/reservations')).statusCode).toBe(401);
    expect((await call(employee, 'GET', '/api/v1/admin/people')).statusCode).toBe(403);
    expect((await call(facilities, 'GET', '/api/v1/admin/people/999999')).statusCode).toBe(404);
  });

  it('EM clusters: admins only; the password stays a reference', async () => {
    const body = {
      name: 'Cluster API',
      serviceUrl: 'https://cucm9.example.com:8443',
      appUser: 'roost',
      secretRef: 'env:ROOST_EM_APP_PASSWORD',
    };
    expect((await call(facilities, 'POST', '/api/v1/admin/em-clusters', body)).statusCode).toBe(403);
    const created = await call(admin, 'POST', '/api/v1/admin/em-clusters', body);
    expect(created.statusCode, created.body).toBe(201);
    const cluster = created.json();
    expect(cluster).toMatchObject({
      ...body,
      maxConcurrentRequests: 5,
      concurrencyBudget: 4,
      apiProfile: '4.1',
    });
    expect((await lastAudit('emCluster.create'))?.actorLabel).toBe(admin.email);

    const password = await call(admin, 'PATCH', `/api/v1/admin/em-clusters/${cluster.id}`, {
      secretRef: 'hunter2-the-real-password',
    });
    expect(password.statusCode).toBe(400);
    expect(password.json().message).toMatch(/Never type the password itself/);
    const budget = await call(admin, 'PATCH', `/api/v1/admin/em-clusters/${cluster.id}`, {
      concurrencyBudget: 9,
    });
    expect(budget.json().message).toMatch(/must not exceed Maximum Concurrent Requests/);
    const changed = await call(admin, 'PATCH', `/api/v1/admin/em-clusters/${cluster.id}`, {
      loginLeadMinutes: 5,
    });
    expect(changed.json()).toMatchObject({ loginLeadMinutes: 5, name: 'Cluster API' });
    expect(
      (await call(admin, 'GET', `/api/v1/admin/em-clusters/${cluster.id}`)).json().loginLeadMinutes,
    ).toBe(5);
    expect((await call(facilities, 'GET', `/api/v1/admin/em-clusters/${cluster.id}`)).statusCode).toBe(403);
    expect((await call(admin, 'GET', '/api/v1/admin/em-clusters/999999')).statusCode).toBe(404);

    // A site can be put on it through the sites API.
    const site = await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}`, {
      emClusterId: cluster.id,
    });
    expect(site.json()).toMatchObject({ emClusterId: cluster.id, emCluster: { name: 'Cluster API' } });
    await call(facilities, 'PATCH', `/api/v1/admin/sites/${siteId}`, { emClusterId: null });
  });

  it('bookings on behalf: book, move, extend, cancel for someone, with the rules, conflicts and audit', async () => {
    const book = (payload: Record<string, unknown>, who = facilities) =>
      call(who, 'POST', '/api/v1/admin/reservations', payload);
    const created = await book({
      userId: employee.id,
      deskId: deskIds[0],
      start: '2026-12-02T09:00:00+01:00',
      end: '2026-12-02T12:00:00+01:00',
    });
    expect(created.statusCode, created.body).toBe(201);
    const r = created.json();
    expect(r).toMatchObject({ userId: employee.id, deskId: deskIds[0], status: 'BOOKED' });
    expect(r.bookedBy).toMatch(/Test User/);
    expect((await lastAudit('reservation.create'))?.details).toMatchObject({
      onBehalf: true,
      userId: employee.id,
    });
    expect((await lastAudit('reservation.create'))?.actorLabel).toBe(facilities.email);
    // The person sees it as their own.
    expect((await call(employee, 'GET', `/api/v1/reservations/${r.id}`)).statusCode).toBe(200);

    const taken = await book({
      userId: admin.id,
      deskId: deskIds[0],
      start: '2026-12-02T10:00:00+01:00',
      end: '2026-12-02T11:00:00+01:00',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ taken: 'desk' });
    const night = {
      userId: admin.id,
      deskId: deskIds[1],
      start: '2026-12-02T22:00:00+01:00',
      end: '2026-12-02T23:00:00+01:00',
    };
    const refused = await book(night);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().rule).toBe('outside-working-hours');
    const waived = await book({ ...night, enforcePolicy: false });
    expect(waived.statusCode, waived.body).toBe(201);
    expect((await lastAudit('reservation.create'))?.details).toMatchObject({
      waivedRules: ['outside-working-hours'],
    });
    expect(
      (await book({ userId: employee.id, deskId: deskIds[2], start: 'tomorrow', end: 'later' })).statusCode,
    ).toBe(400);
    expect((await book({ ...night, userId: 999999 })).statusCode).toBe(404);
    expect((await book({ ...night, deskId: deskIds[2] }, employee)).statusCode).toBe(403);

    const listed = await call(facilities, 'GET', `/api/v1/admin/reservations?userId=${employee.id}`);
    expect(listed.json().reservations.map((x: { id: number }) => x.id)).toEqual([r.id]);
    const day = await call(facilities, 'GET', `/api/v1/admin/floors/${floorId}/reservations?date=2026-12-02`);
    expect(day.json()).toMatchObject({ floorId, date: '2026-12-02', timeZone: 'Europe/Berlin' });
    expect(
      day
        .json()
        .reservations.map((x: { id: number }) => x.id)
        .sort(),
    ).toEqual([r.id, waived.json().id].sort());
    expect(
      (await call(facilities, 'GET', `/api/v1/admin/floors/${floorId}/reservations?date=2026-02-30`))
        .statusCode,
    ).toBe(400);
    expect((await call(employee, 'GET', `/api/v1/admin/floors/${floorId}/reservations`)).statusCode).toBe(
      403,
    );

    const moved = await call(facilities, 'POST', `/api/v1/admin/reservations/${r.id}/move`, {
      deskId: deskIds[2],
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().deskId).toBe(deskIds[2]);
    const extended = await call(facilities, 'POST', `/api/v1/admin/reservations/${r.id}/extend`, {
      end: '2026-12-02T13:00:00+01:00',
    });
    expect(extended.json().end).toBe('2026-12-02T12:00:00.000Z');
    const cancelled = await call(facilities, 'POST', `/api/v1/admin/reservations/${r.id}/cancel`);
    expect(cancelled.json().status).toBe('CANCELLED');
    expect((await lastAudit('reservation.cancel'))?.actorLabel).toBe(facilities.email);
    const twice = await call(facilities, 'POST', `/api/v1/admin/reservations/${r.id}/cancel`);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().message).toMatch(/already cancelled/);
    expect((await call(facilities, 'GET', '/api/v1/admin/reservations/999999')).statusCode).toBe(404);
  });

  it('describes every staff route in the OpenAPI document', async () => {
    const doc = (await call(null, 'GET', '/api/v1/openapi.json')).json();
    for (const path of [
      '/api/v1/admin/sites/{id}',
      '/api/v1/admin/sites/{id}/policy',
      '/api/v1/admin/floors',
      '/api/v1/admin/floors/{id}/plan',
      '/api/v1/admin/floors/{id}/desks',
      '/api/v1/admin/desks/{id}',
      '/api/v1/admin/people',
      '/api/v1/admin/people/{id}',
      '/api/v1/admin/em-clusters/{id}',
      '/api/v1/admin/reservations',
      '/api/v1/admin/reservations/{id}/move',
      '/api/v1/admin/webhooks',
      '/api/v1/admin/webhooks/{id}/deliveries',
    ])
      expect(doc.paths, path).toHaveProperty([path]);
    expect(
      doc.paths['/api/v1/admin/people'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['email', 'displayName']);
    expect(Object.keys(doc.paths['/api/v1/admin/desks/{id}'])).toEqual(
      expect.arrayContaining(['get', 'patch']),
    );
  });
});
