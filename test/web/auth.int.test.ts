import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, apiToken, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { TEST_PASSWORD, createUser } from '../helpers/factories.js';

describe.each(dbTargets)('accounts and sessions (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  let employee: { email: string };

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    employee = await createUser(db.prisma, { email: 'erin@test.example' });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('signs in with the right password and gives an httpOnly SameSite=Lax session cookie', async () => {
    const browser = new Browser(app);
    const res = await browser.signIn(employee.email);
    const cookie = res.cookies.find((c) => c.name === 'roost_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const home = await browser.get('/');
    expect(home.body).toContain('My bookings');
  });

  it('issues a new session id at every sign-in and forgets the old one (no session fixation)', async () => {
    const browser = new Browser(app);
    await browser.signIn(employee.email);
    const first = browser.cookies.get('roost_session');
    const again = await browser.post(
      '/signin',
      { email: employee.email, password: TEST_PASSWORD },
      { csrfFrom: '/' },
    );
    expect(again.statusCode).toBe(303);
    const second = browser.cookies.get('roost_session');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    const replay = new Browser(app);
    replay.cookies.set('roost_session', first!);
    const res = await replay.get('/');
    expect(res.body).not.toContain('My bookings');
  });

  it('says a wrong password does not match, without telling whether the account exists', async () => {
    const browser = new Browser(app);
    const wrong = await browser.post(
      '/signin',
      { email: employee.email, password: 'nope' },
      { csrfFrom: '/signin' },
    );
    const unknown = await browser.post(
      '/signin',
      { email: 'nobody@test.example', password: 'nope' },
      { csrfFrom: '/signin' },
    );
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toContain('That email and password do not match an active account.');
    expect(unknown.body).toContain('That email and password do not match an active account.');
  });

  it('refuses a form without a CSRF token or with a wrong one (403)', async () => {
    const browser = new Browser(app);
    await browser.signIn(employee.email);
    const missing = await browser.post('/signout', {}, { csrf: null });
    expect(missing.statusCode).toBe(403);
    const wrong = await browser.post('/signout', {}, { csrf: 'forged-token' });
    expect(wrong.statusCode).toBe(403);
    expect((await browser.get('/')).body).toContain('My bookings');
  });

  it('slows sign-in per account and address: after five failures the next try from there waits, even with the right password', async () => {
    const victim = await createUser(db.prisma);
    const browser = new Browser(app);
    for (let i = 0; i < 5; i++) {
      const res = await browser.post(
        '/signin',
        { email: victim.email, password: `guess-${i}` },
        { csrfFrom: '/signin' },
      );
      expect(res.statusCode).toBe(401);
    }
    const blocked = await browser.post(
      '/signin',
      { email: victim.email, password: TEST_PASSWORD },
      { csrfFrom: '/signin' },
    );
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect(blocked.body).toMatch(/Too many failed sign-ins/);
    clock.advance(15 * 60_000 + 1_000);
    await browser.signIn(victim.email);
  });

  it('refuses a disabled account', async () => {
    const gone = await createUser(db.prisma, { disabled: true });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: gone.email, password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(401);
  });

  it('gives API tokens for email and password, and the API accepts only a Bearer token', async () => {
    const token = await apiToken(app, employee.email);
    expect(token).toMatch(/^roost_/);
    const stored = await db.prisma.apiToken.findMany();
    expect(stored.some((t) => t.tokenHash === token)).toBe(false);
    const noAuth = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: employee.email },
    });
    expect(noAuth.statusCode).toBe(400);
    const extra = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: employee.email, password: TEST_PASSWORD, admin: true },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toMatch(/additional properties|must NOT have additional/i);
  });

  it('serves the OpenAPI description and health checks without signing in', async () => {
    const openapi = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.json().paths).toHaveProperty('/api/v1/tokens');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      database: target,
    });
  });

  it('sends security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/signin' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });
});
