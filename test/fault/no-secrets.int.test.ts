import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SESSION_COOKIE } from '../../src/auth/sessions.js';
import { createEmClientRegistry } from '../../src/scheduler/em-clients.js';
import { createSchedulerMetrics } from '../../src/scheduler/metrics.js';
import { createPhonesService } from '../../src/scheduler/phones-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, apiToken, testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser, TEST_PASSWORD } from '../helpers/factories.js';

/**
 * Fault and abuse suite: no secret ever leaves Roost. With every log line captured at
 * trace level, people sign in, browse pages and the API (staff and admin views included),
 * fail a sign-in, and use /metrics; no answer and no log line contains a password hash, a
 * password, the session secret, the EM application password, or a session or API token,
 * and no log line contains a CSRF token.
 */
const EM_PASSWORD = 'em-app-password-never-shown-7f3a';
const WRONG_PASSWORD = 'wrong-password-also-never-logged-9c1d';

describe('no secret in any page, API answer or log line', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const logLines: string[] = [];
  const bodies: { url: string; text: string }[] = [];
  const csrfTokens = new Set<string>();
  const config = testConfig({ em: { ...testConfig().em, appPassword: EM_PASSWORD } });
  const clock = createManualClock('2026-12-01T08:00:00Z');
  let ids: { person: number; site: number; floor: number; reservation: number };

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const phones = createPhonesService({
      prisma: db.prisma,
      clock,
      emClients: createEmClientRegistry({ prisma: db.prisma, config, clock }),
      metrics: createSchedulerMetrics(),
    });
    app = await buildApp({ config, db, clock, logger: pino({ level: 'trace' }, stream), phones });
    await app.ready();
    const cluster = await db.prisma.emCluster.create({
      data: {
        name: 'Main cluster',
        serviceUrl: 'http://127.0.0.1:9',
        appUser: 'roost',
        secretRef: 'env:ROOST_EM_APP_PASSWORD',
      },
    });
    const site = await createSite(db.prisma, { emClusterId: cluster.id });
    const floor = await createFloor(db.prisma, site.id);
    const desk = await createDesk(db.prisma, floor.id);
    const employee = await createUser(db.prisma, { email: 'emp@secrets.example', homeSiteId: site.id });
    await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@secrets.example' });
    await createUser(db.prisma, { role: 'ADMIN', email: 'admin@secrets.example' });
    const reservation = await db.prisma.reservation.create({
      data: {
        deskId: desk.id,
        userId: employee.id,
        startsAt: new Date('2026-12-02T08:00:00Z'),
        endsAt: new Date('2026-12-02T16:00:00Z'),
      },
    });
    ids = { person: employee.id, site: site.id, floor: floor.id, reservation: reservation.id };
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  /** The raw session id inside a signed cookie value ("<id>.<signature>", URL-encoded). */
  function sessionIdOf(browser: Browser): string {
    const cookie = decodeURIComponent(browser.cookies.get(SESSION_COOKIE) ?? '');
    expect(cookie).not.toBe('');
    return cookie.slice(0, cookie.lastIndexOf('.'));
  }

  it('shows none in what people see, and logs none', async () => {
    const browsers: Record<string, Browser> = {};
    const tokens: string[] = [];
    for (const who of ['emp', 'fm', 'admin']) {
      const browser = new Browser(app);
      const signin = await browser.get('/signin');
      const m = /name="_csrf" value="([^"]+)"/.exec(signin.body);
      if (m) csrfTokens.add(m[1]!);
      await browser.signIn(`${who}@secrets.example`);
      browsers[who] = browser;
      tokens.push(await apiToken(app, `${who}@secrets.example`));
    }
    // A failed sign-in and a failed token request, with a password that must not be logged.
    const failed = await new Browser(app).post(
      '/signin',
      { email: 'emp@secrets.example', password: WRONG_PASSWORD, next: '/' },
      { csrfFrom: '/signin' },
    );
    expect(failed.statusCode).toBeLessThan(500);
    bodies.push({ url: 'POST /signin (wrong password)', text: failed.body });
    const badToken = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: 'emp@secrets.example', password: WRONG_PASSWORD },
    });
    expect(badToken.statusCode).toBe(401);
    bodies.push({ url: 'POST /api/v1/tokens (wrong password)', text: badToken.body });

    const pages: [string, string][] = [
      ['emp', '/'],
      ['emp', '/book'],
      ['emp', '/account/phone-pin'],
      ['emp', '/account/calendar'],
      ['fm', '/staff'],
      ['fm', '/staff/people'],
      ['fm', `/staff/people/${ids.person}`],
      ['fm', `/staff/sites/${ids.site}`],
      ['fm', '/staff/audit'],
      ['fm', '/staff/phones'],
      ['admin', '/staff/clusters'],
      ['admin', `/staff/people/${ids.person}`],
    ];
    for (const [who, url] of pages) {
      const res = await browsers[who]!.get(url);
      expect(res.statusCode, `GET ${url}`).toBe(200);
      bodies.push({ url, text: res.body });
      for (const m of res.body.matchAll(/name="_csrf" value="([^"]+)"/g)) csrfTokens.add(m[1]!);
    }
    // A form post, so a CSRF token travels in a body Roost parses (and must not log).
    const csrf = await browsers.emp!.csrfFrom('/');
    csrfTokens.add(csrf);
    const cancel = await browsers.emp!.post(`/reservations/${ids.reservation}/cancel`, {}, { csrf });
    expect(cancel.statusCode).toBeLessThan(500);

    const api: [number, string][] = [
      [0, '/api/v1/reservations'],
      [0, `/api/v1/reservations/${ids.reservation}`],
      [0, '/api/v1/sites'],
      [1, '/api/v1/admin/sites'],
      [1, `/api/v1/admin/floors/${ids.floor}`],
      [1, '/api/v1/admin/audit'],
      [2, '/api/v1/admin/em-clusters'],
    ];
    for (const [who, url] of api) {
      const res = await app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${tokens[who]}` },
      });
      expect(res.statusCode, `GET ${url}`).toBe(200);
      bodies.push({ url, text: res.body });
    }
    for (const url of ['/metrics', '/healthz', '/readyz', '/api/v1/openapi.json']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      bodies.push({ url, text: res.body });
    }

    const hashes = (await db.prisma.user.findMany({ select: { passwordHash: true } })).map(
      (u) => u.passwordHash,
    );
    const secrets: [string, string][] = [
      ['argon2 hash prefix', '$argon2id$'],
      ...hashes.map((h, i): [string, string] => [`password hash ${i}`, h]),
      ['test password', TEST_PASSWORD],
      ['demo password', 'roost-demo'],
      ['wrong password', WRONG_PASSWORD],
      ['session secret', config.sessionSecret!],
      ['EM app password', EM_PASSWORD],
      ...Object.entries(browsers).map(([who, b]): [string, string] => [`${who} session id`, sessionIdOf(b)]),
      ...tokens.map((t, i): [string, string] => [`API token ${i}`, t]),
    ];
    expect(bodies.length).toBeGreaterThan(20);
    // The logger really captured the traffic (otherwise "no secret in the log" proves nothing).
    expect(logLines.length).toBeGreaterThan(50);
    expect(logLines.some((l) => l.includes('/api/v1/admin/em-clusters'))).toBe(true);
    for (const [name, secret] of secrets) {
      for (const { url, text } of bodies) expect(text.includes(secret), `${name} in ${url}`).toBe(false);
      for (const line of logLines) expect(line.includes(secret), `${name} in log: ${line}`).toBe(false);
    }
    expect(csrfTokens.size).toBeGreaterThan(3);
    for (const token of csrfTokens)
      for (const line of logLines) expect(line.includes(token), `CSRF token in log: ${line}`).toBe(false);
  });
});
