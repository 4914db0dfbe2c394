import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { apiToken, Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { listRoutes } from '../helpers/routes.js';

describe.each(dbTargets)('who may use the staff pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let employee: Browser;
  let facilities: Browser;
  let admin: Browser;
  let ids: Record<string, string>;
  const clock = createManualClock('2026-12-01T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const site = await createSite(db.prisma);
    const floor = await createFloor(db.prisma, site.id);
    const desk = await createDesk(db.prisma, floor.id);
    const cluster = await db.prisma.emCluster.create({
      data: { name: 'Cluster A', serviceUrl: 'https://cucm.example', appUser: 'roost', secretRef: 'env:X' },
    });
    const emp = await createUser(db.prisma, { role: 'EMPLOYEE', email: 'emp@test.example' });
    await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@test.example' });
    await createUser(db.prisma, { role: 'ADMIN', email: 'admin@test.example' });
    // Any existing id will do: the access check runs before the handler looks anything up.
    ids = {
      id: String(site.id),
      floor: String(floor.id),
      desk: String(desk.id),
      cluster: String(cluster.id),
      user: String(emp.id),
    };
    employee = new Browser(app);
    await employee.signIn('emp@test.example');
    facilities = new Browser(app);
    await facilities.signIn('fm@test.example');
    admin = new Browser(app);
    await admin.signIn('admin@test.example');
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const staffRoutes = () =>
    listRoutes(app).filter(
      (r) =>
        r.method !== 'HEAD' &&
        (r.url === '/staff' || r.url.startsWith('/staff/') || r.url.startsWith('/api/v1/admin/')),
    );
  const concrete = (url: string) => url.replace(/:id/g, ids.id!);

  it('finds the staff routes it is about to check', () => {
    const urls = staffRoutes().map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'GET /staff',
      'POST /staff/sites',
      'POST /staff/floors/:id/plan',
      'POST /staff/desks/import',
      'POST /staff/people/import',
      'GET /staff/audit',
      'GET /staff/clusters',
      'GET /staff/floors/:id/day',
      'POST /staff/reservations/:id/move',
      'GET /api/v1/admin/audit',
    ])
      expect(urls).toContain(expected);
  });

  it('answers 403 to an employee on every staff page and form, with a valid CSRF token', async () => {
    const csrf = await employee.csrfFrom('/');
    for (const route of staffRoutes().filter((r) => !r.url.startsWith('/api/'))) {
      const url = concrete(route.url);
      const res =
        route.method === 'GET' ? await employee.get(url) : await employee.post(url, { name: 'x' }, { csrf });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
    expect(await db.prisma.auditEvent.count()).toBe(0);
  });

  it('answers 403 to an employee on every staff API route', async () => {
    const token = await apiToken(app, 'emp@test.example');
    for (const route of staffRoutes().filter((r) => r.url.startsWith('/api/'))) {
      const res = await app.inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
  });

  it('sends a signed-out visitor to sign in', async () => {
    const res = await new Browser(app).get('/staff/sites');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/signin?next=%2Fstaff%2Fsites');
  });

  it('renders every staff page for an admin', async () => {
    const idFor: [RegExp, string][] = [
      [/^\/(staff|api\/v1\/admin)\/(sites|policies)\//, ids.id!],
      [/^\/(staff|api\/v1\/admin)\/floors\//, ids.floor!],
      [/^\/(staff|api\/v1\/admin)\/desks\//, ids.desk!],
      [/^\/(staff|api\/v1\/admin)\/people\//, ids.user!],
      [/^\/staff\/clusters\//, ids.cluster!],
      [/^\/api\/v1\/admin\/em-clusters\//, ids.cluster!],
    ];
    // Records this fixture does not hold (a booking, a webhook endpoint, a floor plan) are read
    // in their own API tests (api-admin*.int.test.ts); here they would only answer 404.
    const elsewhere = /^\/api\/v1\/admin\/(reservations\/:id|webhooks\/:id|floors\/:id\/plan)/;
    const mine = /^\/staff($|\/(sites|policies|floors|desks|people|clusters|audit|day))/;
    const token = await apiToken(app, 'admin@test.example');
    for (const route of staffRoutes().filter((r) => r.method === 'GET')) {
      if (!mine.test(route.url) && !route.url.startsWith('/api/v1/admin/')) continue;
      if (elsewhere.test(route.url)) continue;
      const id = idFor.find(([re]) => re.test(route.url))?.[1] ?? '';
      const query: Record<string, string> = {
        '/api/v1/admin/reservations': `?userId=${ids.user}`,
        '/api/v1/admin/floors/:id/reservations': '?date=2026-12-01',
      };
      const url = route.url.replace(':id', id) + (query[route.url] ?? '');
      const res = route.url.startsWith('/api/')
        ? await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
        : await admin.get(url);
      expect([200, 303], `GET ${url}: ${res.body.slice(0, 300)}`).toContain(res.statusCode);
    }
  });

  it('lets facilities see the pages but not the EM clusters', async () => {
    expect((await facilities.get('/staff')).statusCode).toBe(200);
    expect((await facilities.get(`/staff/floors/${ids.floor}`)).statusCode).toBe(200);
    expect((await facilities.get(`/staff/desks/${ids.desk}`)).statusCode).toBe(200);
    expect((await facilities.get(`/staff/people/${ids.user}`)).statusCode).toBe(200);
    expect((await facilities.get(`/staff/floors/${ids.floor}/day?date=2026-12-01`)).statusCode).toBe(200);
    expect((await facilities.get('/staff/clusters')).statusCode).toBe(403);
    expect((await facilities.get(`/staff/clusters/${ids.cluster}`)).statusCode).toBe(403);
    const token = await apiToken(app, 'fm@test.example');
    const api = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/em-clusters',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(api.statusCode).toBe(403);
    const sites = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/sites',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(sites.statusCode).toBe(200);
  });

  it('lets an admin manage EM clusters by secret reference, never the secret', async () => {
    const base = {
      name: 'Cluster B',
      serviceUrl: 'https://cucm2.example.com:8443',
      appUser: 'roost-app',
      maxConcurrentRequests: '5',
      concurrencyBudget: '4',
      loginLeadMinutes: '10',
      apiProfile: 'modern',
    };
    const secret = await admin.post(
      '/staff/clusters',
      { ...base, secretRef: 'hunter2' },
      { csrfFrom: '/staff/clusters' },
    );
    expect(secret.statusCode).toBe(400);
    expect(secret.body).toMatch(/Never type the password itself here/);
    expect(secret.body).not.toContain('hunter2');
    const over = await admin.post(
      '/staff/clusters',
      { ...base, secretRef: 'env:ROOST_EM_APP_PASSWORD', concurrencyBudget: '6' },
      { csrfFrom: '/staff/clusters' },
    );
    expect(over.statusCode).toBe(400);
    expect(over.body).toMatch(/must not exceed Maximum Concurrent Requests \(5\)/);
    const ok = await admin.post(
      '/staff/clusters',
      { ...base, secretRef: 'env:ROOST_EM_APP_PASSWORD' },
      { csrfFrom: '/staff/clusters' },
    );
    expect(ok.statusCode).toBe(303);
    const cluster = await db.prisma.emCluster.findUniqueOrThrow({ where: { name: 'Cluster B' } });
    expect(cluster).toMatchObject({
      secretRef: 'env:ROOST_EM_APP_PASSWORD',
      apiProfile: 'modern',
      concurrencyBudget: 4,
    });
    const event = await db.prisma.auditEvent.findFirstOrThrow({ where: { action: 'emCluster.create' } });
    expect(event.actorLabel).toBe('admin@test.example');
    expect(event.details).toMatchObject({ after: { secretRef: 'env:ROOST_EM_APP_PASSWORD' } });
  });

  it('lets an admin change a role, which signs the person out', async () => {
    const before = await db.prisma.session.count({ where: { user: { email: 'emp@test.example' } } });
    expect(before).toBeGreaterThan(0);
    const res = await admin.post(
      `/staff/people/${ids.user}`,
      { displayName: 'Promoted', role: 'FACILITIES' },
      { csrfFrom: `/staff/people/${ids.user}` },
    );
    expect(res.statusCode).toBe(303);
    expect(await db.prisma.user.findUniqueOrThrow({ where: { id: Number(ids.user) } })).toMatchObject({
      role: 'FACILITIES',
    });
    expect(await db.prisma.session.count({ where: { user: { email: 'emp@test.example' } } })).toBe(0);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'user.update', subjectId: ids.user },
    });
    expect(event.details).toMatchObject({ before: { role: 'EMPLOYEE' }, after: { role: 'FACILITIES' } });
  });
});
