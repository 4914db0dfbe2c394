import type { FastifyInstance, LightMyRequestResponse, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createEmClientRegistry } from '../../src/scheduler/em-clients.js';
import { createSchedulerMetrics } from '../../src/scheduler/metrics.js';
import { createPhonesService } from '../../src/scheduler/phones-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, apiToken, testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { startTestProvider, type TestProvider } from '../auth/oidc-provider-harness.js';

/**
 * Fault and abuse suite: access. Every route Roost registers is listed below with the least
 * role that may use it. The test fails when a registered route is missing from the table or
 * the table names a route that no longer exists, then requests every route without a
 * session, as an employee, as facilities staff and as an admin, and checks the class of the
 * answer: anonymous on a page GET is sent to /signin, anonymous on a form or the API gets
 * 401, a signed-in person below the route's role gets 403, and everyone else gets past the
 * access check (any answer but 401, 403 or 5xx).
 */
type Need = 'public' | 'user' | 'staff' | 'admin' | 'scim';

const ACCESS: Record<string, Need> = {
  // Plugins: static files and the API documentation.
  'GET /public/*': 'public',
  'GET /api/v1/docs/': 'public',
  'GET /api/v1/docs/static/index.html': 'public',
  'GET /api/v1/docs/static/swagger-initializer.js': 'public',
  'GET /api/v1/docs/json': 'public',
  'GET /api/v1/docs/yaml': 'public',
  'GET /api/v1/docs/static/*': 'public',
  'GET /api/v1/openapi.json': 'public',
  // Health, metrics, sign-in.
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /signin': 'public',
  'POST /signin': 'public',
  'POST /signout': 'public',
  'POST /api/v1/tokens': 'public',
  'GET /api/v1/tokens': 'user',
  'DELETE /api/v1/tokens/:id': 'user',
  'GET /signin/totp': 'public',
  'POST /signin/totp': 'public',
  'GET /signin/forgot': 'public',
  'POST /signin/forgot': 'public',
  'GET /signin/reset': 'public',
  'POST /signin/reset': 'public',
  'GET /': 'public',
  // The phone's own service pages: the person is identified by PIN, not a session.
  'GET /phone/services': 'public',
  'GET /phone/book': 'public',
  'GET /phone/book/sign-in': 'public',
  'GET /phone/book/confirm': 'public',
  'GET /phone/manage/sign-in': 'public',
  'GET /phone/manage': 'public',
  'GET /phone/manage/do': 'public',
  // The calendar feed is authenticated by its secret token in the URL.
  'GET /calendar/:token.ics': 'public',
  // Booking pages.
  'GET /book': 'user',
  'POST /reservations': 'user',
  'POST /reservations/:id/cancel': 'user',
  'POST /reservations/:id/release': 'user',
  'POST /reservations/:id/check-in': 'user',
  'POST /reservations/:id/extend': 'user',
  'GET /reservations/:id.ics': 'user',
  'GET /book/series': 'user',
  'POST /book/series': 'user',
  'GET /account': 'user',
  'POST /account/language': 'user',
  'GET /account/phone-pin': 'user',
  'POST /account/phone-pin': 'user',
  'POST /account/phone-pin/remove': 'user',
  'GET /account/calendar': 'user',
  'POST /account/calendar/reset': 'user',
  'POST /account/calendar/revoke': 'user',
  'GET /account/totp': 'user',
  'POST /account/totp/enable': 'user',
  'POST /account/totp/disable': 'user',
  'POST /account/totp/policy': 'admin',
  'GET /account/password': 'user',
  'POST /account/password': 'user',
  'GET /account/tokens': 'user',
  'POST /account/tokens': 'user',
  'POST /account/tokens/:id/revoke': 'user',
  // Booking API.
  'GET /api/v1/sites': 'user',
  'GET /api/v1/sites/:id/floors': 'user',
  'GET /api/v1/floors/:id/availability': 'user',
  'GET /api/v1/reservations': 'user',
  'POST /api/v1/reservations': 'user',
  'GET /api/v1/reservations/:id': 'user',
  'POST /api/v1/reservations/:id/cancel': 'user',
  'POST /api/v1/reservations/:id/release': 'user',
  'POST /api/v1/reservations/:id/check-in': 'user',
  'POST /api/v1/reservations/:id/extend': 'user',
  // Staff pages.
  'GET /staff': 'staff',
  'GET /staff/sites': 'staff',
  'POST /staff/sites': 'staff',
  'GET /staff/sites/:id': 'staff',
  'POST /staff/sites/:id': 'staff',
  'GET /staff/policies': 'staff',
  'GET /staff/policies/:id': 'staff',
  'POST /staff/policies/:id': 'staff',
  'GET /staff/floors': 'staff',
  'POST /staff/floors': 'staff',
  'GET /staff/floors/:id': 'staff',
  'POST /staff/floors/:id': 'staff',
  'POST /staff/floors/:id/plan': 'staff',
  'POST /staff/floors/:id/desks': 'staff',
  'GET /staff/desks/import': 'staff',
  'POST /staff/desks/import': 'staff',
  'GET /staff/desks/:id': 'staff',
  'POST /staff/desks/:id': 'staff',
  'GET /staff/people': 'staff',
  'GET /staff/people/new': 'staff',
  'POST /staff/people': 'staff',
  'GET /staff/people/import': 'staff',
  'POST /staff/people/import': 'staff',
  'GET /staff/people/:id': 'staff',
  'POST /staff/people/:id': 'staff',
  'POST /staff/people/:id/password': 'staff',
  'GET /staff/audit': 'staff',
  'GET /staff/day': 'staff',
  'GET /staff/floors/:id/day': 'staff',
  'POST /staff/floors/:id/day/book': 'staff',
  'POST /staff/reservations/:id/cancel': 'staff',
  'POST /staff/reservations/:id/move': 'staff',
  'GET /staff/insight': 'staff',
  'GET /staff/insight.csv': 'staff',
  'GET /staff/phones': 'staff',
  'POST /staff/desks/:id/position': 'staff',
  'POST /staff/desks/:id/bookable': 'staff',
  'POST /staff/desks/:id/remove': 'staff',
  'POST /staff/phones/:phoneId/login': 'staff',
  'POST /staff/phones/:phoneId/logout': 'staff',
  // Staff API.
  'GET /api/v1/admin/sites': 'staff',
  'GET /api/v1/admin/floors/:id': 'staff',
  'GET /api/v1/admin/audit': 'staff',
  // The whole staff API (issue 14): same roles as the pages.
  'GET /api/v1/admin/sites/:id': 'staff',
  'DELETE /api/v1/admin/sites/:id': 'staff',
  'DELETE /api/v1/admin/floors/:id': 'staff',
  'POST /api/v1/admin/sites': 'staff',
  'PATCH /api/v1/admin/sites/:id': 'staff',
  'GET /api/v1/admin/sites/:id/policy': 'staff',
  'PATCH /api/v1/admin/sites/:id/policy': 'staff',
  'GET /api/v1/admin/floors': 'staff',
  'POST /api/v1/admin/floors': 'staff',
  'PATCH /api/v1/admin/floors/:id': 'staff',
  'GET /api/v1/admin/floors/:id/plan': 'staff',
  'PUT /api/v1/admin/floors/:id/plan': 'staff',
  'POST /api/v1/admin/floors/:id/desks': 'staff',
  'GET /api/v1/admin/desks/:id': 'staff',
  'PATCH /api/v1/admin/desks/:id': 'staff',
  'GET /api/v1/admin/people': 'staff',
  'GET /api/v1/admin/people/:id': 'staff',
  'POST /api/v1/admin/people': 'staff',
  'PATCH /api/v1/admin/people/:id': 'staff',
  'GET /api/v1/admin/reservations': 'staff',
  'GET /api/v1/admin/floors/:id/reservations': 'staff',
  'GET /api/v1/admin/reservations/:id': 'staff',
  'POST /api/v1/admin/reservations': 'staff',
  'POST /api/v1/admin/reservations/:id/cancel': 'staff',
  'POST /api/v1/admin/reservations/:id/release': 'staff',
  'POST /api/v1/admin/reservations/:id/check-in': 'staff',
  'POST /api/v1/admin/reservations/:id/extend': 'staff',
  'POST /api/v1/admin/reservations/:id/move': 'staff',
  // Webhooks (issue 14): the page and the API.
  'GET /staff/webhooks': 'staff',
  'POST /staff/webhooks': 'staff',
  'GET /staff/webhooks/:id': 'staff',
  'POST /staff/webhooks/:id/delete': 'staff',
  'GET /api/v1/admin/webhooks': 'staff',
  'POST /api/v1/admin/webhooks': 'staff',
  'GET /api/v1/admin/webhooks/:id': 'staff',
  'GET /api/v1/admin/webhooks/:id/deliveries': 'staff',
  'DELETE /api/v1/admin/webhooks/:id': 'staff',
  // Administrators only: EM clusters carry credentials references.
  'GET /staff/clusters': 'admin',
  'POST /staff/clusters': 'admin',
  'GET /staff/clusters/:id': 'admin',
  'POST /staff/clusters/:id': 'admin',
  'GET /api/v1/admin/em-clusters': 'admin',
  'GET /api/v1/admin/em-clusters/:id': 'admin',
  'POST /api/v1/admin/em-clusters': 'admin',
  'PATCH /api/v1/admin/em-clusters/:id': 'admin',
  // Single sign-on (issue 17): public, the provider and the pending-sign-in cookie decide.
  'GET /auth/oidc/login': 'public',
  'GET /auth/oidc/callback': 'public',
  // SCIM 2.0: only ROOST_SCIM_TOKEN as a Bearer token; no session of any role counts.
  'GET /scim/v2/ServiceProviderConfig': 'scim',
  'GET /scim/v2/ResourceTypes': 'scim',
  'GET /scim/v2/ResourceTypes/:id': 'scim',
  'GET /scim/v2/Schemas': 'scim',
  'GET /scim/v2/Schemas/:id': 'scim',
  'GET /scim/v2/Users': 'scim',
  'GET /scim/v2/Users/:id': 'scim',
  'POST /scim/v2/Users': 'scim',
  'PUT /scim/v2/Users/:id': 'scim',
  'PATCH /scim/v2/Users/:id': 'scim',
  'DELETE /scim/v2/Users/:id': 'scim',
  'GET /scim/v2/Groups': 'scim',
  'GET /scim/v2/Groups/:id': 'scim',
  'POST /scim/v2/Groups': 'scim',
  'PUT /scim/v2/Groups/:id': 'scim',
  'PATCH /scim/v2/Groups/:id': 'scim',
  'DELETE /scim/v2/Groups/:id': 'scim',
};
const SCIM_TOKEN = 'access-table-scim-token-0123456789abcdef';

// Routes the plugins add without a config of their own (access.ts makes them public).
const PLUGIN_PREFIXES = ['/public/', '/api/v1/docs'];

type Role = 'anonymous' | 'employee' | 'staff' | 'admin';
const rank: Record<Role | Need, number> = {
  anonymous: 0,
  public: 0,
  employee: 1,
  user: 1,
  staff: 2,
  admin: 3,
  // No role reaches SCIM: it takes the SCIM token, checked in its own test below.
  scim: 4,
};

const key = (method: string, url: string) => `${method} ${url}`;

describe('who may use which route: every registered route against the table', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let provider: TestProvider;
  const registered: RouteOptions[] = [];
  const browsers = {} as Record<Role, Browser>;
  const tokens = {} as Record<Role, string | null>;
  let ids: Record<string, string>;
  const clock = createManualClock('2026-12-01T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    // Single sign-on against a real provider, so /auth/oidc/login can reach its discovery.
    const base = testConfig();
    provider = await startTestProvider({
      redirectUri: `${base.publicUrl}/auth/oidc/callback`,
      postLogoutRedirectUri: `${base.publicUrl}/signin`,
    });
    const config = testConfig({
      scimToken: SCIM_TOKEN,
      oidc: {
        issuer: provider.issuer,
        clientId: provider.clientId,
        clientSecret: provider.clientSecret,
        redirectUri: `${base.publicUrl}/auth/oidc/callback`,
        emUserClaim: 'preferred_username',
        roleClaim: 'groups',
        facilitiesGroups: [],
        adminGroups: [],
      },
    });
    const phones = createPhonesService({
      prisma: db.prisma,
      clock,
      emClients: createEmClientRegistry({ prisma: db.prisma, config, clock }),
      metrics: createSchedulerMetrics(),
    });
    app = await buildApp({
      config,
      db,
      clock,
      logger: false,
      phones,
      onRoute: (route) => registered.push(route),
    });
    await app.ready();

    const cluster = await db.prisma.emCluster.create({
      data: {
        name: 'Cluster A',
        serviceUrl: 'http://127.0.0.1:9',
        appUser: 'roost',
        secretRef: 'env:ROOST_EM_APP_PASSWORD',
      },
    });
    const site = await createSite(db.prisma, { emClusterId: cluster.id });
    const floor = await createFloor(db.prisma, site.id);
    const desk = await createDesk(db.prisma, floor.id);
    const employee = await createUser(db.prisma, { email: 'emp@access.example', homeSiteId: site.id });
    await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@access.example' });
    await createUser(db.prisma, { role: 'ADMIN', email: 'admin@access.example' });
    // Staff forms about a person act on this one, never on someone signed in here.
    const subject = await createUser(db.prisma, { email: 'subject@access.example' });
    const booking = await db.prisma.reservation.create({
      data: {
        deskId: desk.id,
        userId: employee.id,
        startsAt: new Date('2026-12-02T08:00:00Z'),
        endsAt: new Date('2026-12-02T16:00:00Z'),
      },
    });
    ids = {
      site: String(site.id),
      floor: String(floor.id),
      desk: String(desk.id),
      person: String(subject.id),
      cluster: String(cluster.id),
      reservation: String(booking.id),
      phone: String(desk.phone!.id),
      // Someone else's API token: revoking it answers 404, and nobody's own token is spent.
      token: String(
        (await db.prisma.apiToken.create({ data: { userId: subject.id, tokenHash: 'access-table' } })).id,
      ),
    };
    browsers.anonymous = new Browser(app);
    tokens.anonymous = null;
    for (const [role, email] of [
      ['employee', 'emp@access.example'],
      ['staff', 'fm@access.example'],
      ['admin', 'admin@access.example'],
    ] as const) {
      browsers[role] = new Browser(app);
      await browsers[role].signIn(email);
      tokens[role] = await apiToken(app, email);
    }
  });
  afterAll(async () => {
    await app?.close();
    await provider?.close();
    await db?.destroy();
  });

  /** Every route as "METHOD url", HEAD folded into its GET (Fastify adds HEAD for each GET). */
  function routeKeys(): { keys: string[]; heads: string[] } {
    const keys = new Set<string>();
    const heads = new Set<string>();
    for (const route of registered)
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') heads.add(route.url);
        else keys.add(key(method, route.url));
      }
    return { keys: [...keys], heads: [...heads] };
  }

  function concrete(url: string): string {
    const idFor: [RegExp, string][] = [
      [/^\/(staff\/)?(sites|policies)\//, ids.site!],
      [/^\/api\/v1\/sites\//, ids.site!],
      [/^\/(staff|api\/v1\/admin|api\/v1)\/floors\//, ids.floor!],
      [/^\/staff\/desks\//, ids.desk!],
      [/^\/staff\/people\//, ids.person!],
      [/^\/staff\/clusters\//, ids.cluster!],
      [/reservations\//, ids.reservation!],
      [/tokens\//, ids.token!],
    ];
    const id = idFor.find(([re]) => re.test(url))?.[1] ?? '1';
    return url
      .replace(':phoneId', ids.phone!)
      .replace(':token', 'no-such-token')
      .replace(':id', id)
      .replace(/\*$/, url.startsWith('/public/') ? 'roost.css' : 'index.css');
  }

  it('has a row for every registered route and no row for a route that is gone', () => {
    const { keys, heads } = routeKeys();
    expect(keys.length).toBeGreaterThan(90);
    expect(keys.filter((k) => !(k in ACCESS)).sort(), 'routes missing from the table').toEqual([]);
    expect(
      Object.keys(ACCESS)
        .filter((k) => !keys.includes(k))
        .sort(),
      'table rows without a route',
    ).toEqual([]);
    // Each HEAD belongs to a GET of the table (the docs root is GET "/docs/", HEAD "/docs" too).
    for (const url of heads)
      expect(`GET ${url}` in ACCESS || `GET ${url}/` in ACCESS, `HEAD ${url} without its GET`).toBe(true);
  });

  it('states the same role as each route declares (plugin routes are public by prefix)', () => {
    for (const route of registered)
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue;
        const declared = route.config?.access;
        const want = ACCESS[key(method, route.url)];
        if (declared === undefined)
          expect(
            PLUGIN_PREFIXES.some((p) => route.url.startsWith(p)),
            `${method} ${route.url} declares no access`,
          ).toBe(true);
        // SCIM routes are public to the session check and check their own Bearer token.
        else expect(declared, `${method} ${route.url}`).toBe(want === 'scim' ? 'public' : want);
      }
  });

  async function request(role: Role, method: string, url: string): Promise<LightMyRequestResponse> {
    if (url.startsWith('/scim/')) {
      // A browser's session cookie, never a SCIM token: the SCIM routes must refuse every role.
      return app.inject({
        method: method as 'GET',
        url,
        headers: { cookie: cookieOf(browsers[role]), 'content-type': 'application/scim+json' },
        ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: '{}' } : {}),
      });
    }
    if (url.startsWith('/api/')) {
      const token = tokens[role];
      return app.inject({
        method: method as 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(method === 'POST' ? { payload: {} } : {}),
      });
    }
    const browser = browsers[role];
    if (method === 'GET') return browser.get(url);
    if (method === 'HEAD')
      return app.inject({ method: 'HEAD', url, headers: { cookie: cookieOf(browser), accept: 'text/html' } });
    // Forms carry a valid CSRF token, so only the access check can refuse them.
    const csrf = await browser.csrfFrom(role === 'anonymous' ? '/signin' : '/');
    return browser.post(url, {}, { csrf });
  }

  const cookieOf = (b: Browser) => [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ');

  function check(role: Role, need: Need, method: string, url: string, res: LightMyRequestResponse) {
    const what = `${role} ${method} ${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
    expect(res.statusCode, what).toBeLessThan(500);
    if (rank[role] >= rank[need]) {
      expect([401, 403], what).not.toContain(res.statusCode);
      if (res.statusCode === 302) expect(res.headers.location, what).not.toMatch(/^\/signin/);
    } else if (need === 'scim') {
      expect(res.statusCode, what).toBe(401);
    } else if (role === 'anonymous') {
      if (method === 'HEAD') {
        // Only a GET is sent to the sign-in page; a HEAD has nobody to follow the redirect.
        expect([302, 401], what).toContain(res.statusCode);
      } else if (!url.startsWith('/api/') && method === 'GET') {
        expect(res.statusCode, what).toBe(302);
        expect(res.headers.location, what).toMatch(/^\/signin\?next=/);
      } else {
        expect(res.statusCode, what).toBe(401);
      }
    } else {
      expect(res.statusCode, what).toBe(403);
    }
  }

  it('lets the SCIM token past the check on every SCIM route (and nothing else does)', async () => {
    for (const row of Object.keys(ACCESS).filter((k) => ACCESS[k] === 'scim')) {
      const [method, pattern] = row.split(' ') as [string, string];
      // Ids nobody has: a DELETE here must not remove the people the other checks sign in as.
      const url = pattern.replace(':id', pattern.includes('/Schemas/') ? 'urn:x' : '999999');
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' },
        ...(['POST', 'PUT', 'PATCH'].includes(method) ? { payload: '{}' } : {}),
      });
      const what = `${row} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
      expect(res.statusCode, what).toBeLessThan(500);
      expect([401, 403], what).not.toContain(res.statusCode);
      expect(res.headers['content-type'], what).toMatch(/^application\/scim\+json/);
      const asAdmin = await app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      expect(asAdmin.statusCode, `${row} with an admin's API token`).toBe(401);
    }
  });

  it('refuses a token on a page and a session cookie on the API', async () => {
    const onApi = await app.inject({
      method: 'GET',
      url: '/api/v1/reservations',
      headers: { cookie: cookieOf(browsers.admin) },
    });
    expect(onApi.statusCode).toBe(401);
    const onPage = await app.inject({
      method: 'GET',
      url: '/staff',
      headers: { authorization: `Bearer ${tokens.admin}`, accept: 'text/html' },
    });
    expect(onPage.statusCode).toBe(302);
  });

  // Signing out ends the session the later requests need, so it goes last.
  const ordered = () =>
    Object.keys(ACCESS).sort((a, b) => Number(a === 'POST /signout') - Number(b === 'POST /signout'));

  for (const role of ['anonymous', 'employee', 'staff', 'admin'] as const) {
    it(`answers ${role} as the table says on every route`, async () => {
      for (const row of ordered()) {
        const [method, pattern] = row.split(' ') as [string, string];
        const url = concrete(pattern);
        check(role, ACCESS[row]!, method, url, await request(role, method, url));
        if (method === 'GET' && role === 'anonymous')
          check(role, ACCESS[row]!, 'HEAD', url, await request(role, 'HEAD', url));
      }
    });
  }
});
