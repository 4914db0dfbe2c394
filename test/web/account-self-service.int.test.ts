import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountMail } from '../../src/auth/account-mail.js';
import { buildApp } from '../../src/app.js';
import { createPeopleService } from '../../src/admin/people-service.js';
import { DAY_MS, MINUTE_MS, createManualClock } from '../../src/time/clock.js';
import { Browser, apiToken, testConfig } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { TEST_PASSWORD, createUser } from '../helpers/factories.js';

/** Issue 18, self-service: my password, a forgotten password, first sign-in, my API tokens. */
describe.each(dbTargets)('account self-service (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  const sent: { to: string; subject: string; text: string }[] = [];
  const mail: AccountMail = { enabled: true, send: async (m) => void sent.push(m) };
  const NEW_PASSWORD = 'a brand new passphrase 42';

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await buildApp({
      config: testConfig({ publicUrl: 'https://roost.example' }),
      db,
      clock,
      logger: false,
      accountMail: mail,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('changes my password with the current one, and signs out my other browsers', async () => {
    const me = await createUser(db.prisma);
    const here = new Browser(app);
    const there = new Browser(app);
    await here.signIn(me.email);
    await there.signIn(me.email);
    const wrong = await here.post(
      '/account/password',
      { current: 'not it', password: NEW_PASSWORD, confirm: NEW_PASSWORD },
      { csrfFrom: '/account/password' },
    );
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('current password is not right');
    const short = await here.post(
      '/account/password',
      { current: TEST_PASSWORD, password: 'short', confirm: 'short' },
      { csrfFrom: '/account/password' },
    );
    expect(short.body).toContain('at least 12 characters');
    const ok = await here.post(
      '/account/password',
      { current: TEST_PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD },
      { csrfFrom: '/account/password' },
    );
    expect(ok.statusCode).toBe(303);
    expect((await here.get('/account')).statusCode).toBe(200);
    expect((await there.get('/account')).statusCode).toBe(302);
    await new Browser(app).signIn(me.email, NEW_PASSWORD);
  });

  it('resets a forgotten password by email with a single-use link that expires, stored hashed', async () => {
    const me = await createUser(db.prisma);
    sent.length = 0;
    const browser = new Browser(app);
    const asked = await browser.post('/signin/forgot', { email: me.email }, { csrfFrom: '/signin/forgot' });
    expect(asked.statusCode).toBe(200);
    const unknown = await browser.post(
      '/signin/forgot',
      { email: 'nobody@test.example' },
      { csrfFrom: '/signin/forgot' },
    );
    expect(unknown.body).toContain('If that address belongs to an account');
    expect(sent).toHaveLength(1);
    const link = /https:\/\/roost\.example\/signin\/reset\?token=([\w-]+)/.exec(sent[0]!.text);
    expect(link).not.toBeNull();
    const token = link![1]!;
    const stored = await db.prisma.passwordReset.findMany({ where: { userId: me.id } });
    expect(stored.some((r) => r.tokenHash === token)).toBe(false);

    const page = await browser.get(`/signin/reset?token=${token}`);
    expect(page.statusCode).toBe(200);
    const reset = await browser.post(
      '/signin/reset',
      { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD },
      { csrfFrom: `/signin/reset?token=${token}` },
    );
    expect(reset.statusCode).toBe(303);
    await new Browser(app).signIn(me.email, NEW_PASSWORD);
    // Single use.
    const again = await browser.post(
      '/signin/reset',
      { token, password: 'yet another passphrase', confirm: 'yet another passphrase' },
      { csrfFrom: '/signin/forgot' },
    );
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('does not work any more');

    // Expiry: a link 31 minutes old no longer works.
    sent.length = 0;
    await browser.post('/signin/forgot', { email: me.email }, { csrfFrom: '/signin/forgot' });
    const late = /token=([\w-]+)/.exec(sent[0]!.text)![1]!;
    clock.advance(31 * MINUTE_MS);
    expect((await browser.get(`/signin/reset?token=${late}`)).statusCode).toBe(400);
  });

  it('makes people created by staff or import choose their own password at first sign-in', async () => {
    const admin = await createUser(db.prisma, { role: 'ADMIN' });
    const people = createPeopleService({ prisma: db.prisma, clock });
    const created = await people.create({ id: admin.id, role: 'ADMIN', label: `user:${admin.id}` } as never, {
      email: 'new.starter@test.example',
      displayName: 'New Starter',
    });
    const browser = new Browser(app);
    await browser.signIn('new.starter@test.example', created.password);
    const home = await browser.get('/');
    expect(home.statusCode).toBe(302);
    expect(home.headers.location).toBe('/account/password');
    const page = await browser.get('/account/password');
    expect(page.body).toContain('Choose your own password');
    const token = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: 'new.starter@test.example', password: created.password },
    });
    expect(token.statusCode).toBe(403);
    const set = await browser.post(
      '/account/password',
      { password: NEW_PASSWORD, confirm: NEW_PASSWORD },
      { csrfFrom: '/account/password' },
    );
    expect(set.statusCode).toBe(303);
    expect((await browser.get('/')).statusCode).toBe(200);
  });

  it('lists my API tokens with names and expiry, revokes one, and refuses expired ones', async () => {
    const me = await createUser(db.prisma);
    const other = await createUser(db.prisma);
    const create = (payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { email: me.email, password: TEST_PASSWORD, ...payload },
      });
    const laptop = (await create({ name: 'laptop script' })).json<{ token: string; id: number }>();
    const expiring = await create({
      name: 'short',
      expiresAt: new Date(clock.now().getTime() + DAY_MS).toISOString(),
    });
    expect(expiring.statusCode).toBe(201);
    expect((await create({ expiresAt: '2020-01-01T00:00:00Z' })).statusCode).toBe(400);
    const short = expiring.json<{ token: string; id: number; expiresAt: string }>();
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    const list = await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth(laptop.token) });
    expect(list.statusCode).toBe(200);
    const names = list.json<{ tokens: { id: number; name: string; expiresAt: string | null }[] }>().tokens;
    expect(names.map((t) => t.name)).toEqual(['short', 'laptop script']);
    expect(JSON.stringify(list.json())).not.toContain(laptop.token);

    // Someone else cannot revoke my token.
    const theirs = await apiToken(app, other.email);
    const foreign = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${laptop.id}`,
      headers: auth(theirs),
    });
    expect(foreign.statusCode).toBe(404);
    const revoked = await app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${laptop.id}`,
      headers: auth(short.token),
    });
    expect(revoked.statusCode).toBe(204);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth(laptop.token) })).statusCode,
    ).toBe(401);

    clock.advance(DAY_MS + 1000);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/tokens', headers: auth(short.token) })).statusCode,
    ).toBe(401);
  });

  it('has an account page to create, see and revoke my tokens', async () => {
    const me = await createUser(db.prisma);
    const browser = new Browser(app);
    await browser.signIn(me.email);
    const made = await browser.post(
      '/account/tokens',
      { name: 'calendar sync', expiresInDays: '30' },
      { csrfFrom: '/account/tokens' },
    );
    expect(made.statusCode).toBe(200);
    const token = /value="(roost_[\w-]+)"/.exec(made.body)![1]!;
    expect(made.body).toContain('calendar sync');
    const ok = await app.inject({
      method: 'GET',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${token}` },
    });
    const [row] = ok.json<{ tokens: { id: number; expiresAt: string }[] }>().tokens;
    expect(new Date(row!.expiresAt).getTime() - clock.now().getTime()).toBe(30 * DAY_MS);
    const revoke = await browser.post(
      `/account/tokens/${row!.id}/revoke`,
      {},
      { csrfFrom: '/account/tokens' },
    );
    expect(revoke.statusCode).toBe(303);
    expect((await browser.get('/account/tokens')).body).toContain('You have no API tokens.');
  });
});
