import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { MINUTE_MS, createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createUser } from '../helpers/factories.js';
import { ProviderAgent, startTestProvider, type TestProvider } from './oidc-provider-harness.js';

/**
 * Single sign-on against a real OpenID Provider (oidc-provider) running on 127.0.0.1: Roost's
 * routes through app.inject, the provider over HTTP, its login and consent screens driven by
 * a small cookie-keeping agent. The browser run of the same flow is test/e2e/sso.e2e.test.ts.
 */
const PUBLIC_URL = 'http://roost.test';
const REDIRECT = `${PUBLIC_URL}/auth/oidc/callback`;

describe('single sign-on through OpenID Connect', () => {
  let db: TestDatabase;
  let op: TestProvider;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  let oidc: NonNullable<Config['oidc']>;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    op = await startTestProvider({ redirectUri: REDIRECT, postLogoutRedirectUri: `${PUBLIC_URL}/signin` });
    oidc = {
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      emUserClaim: 'preferred_username',
      roleClaim: 'groups',
      facilitiesGroups: ['Roost Facilities'],
      adminGroups: ['Roost Admins'],
    };
    app = await createTestApp(db, clock, { publicUrl: PUBLIC_URL, oidc, passwordSignin: false });
  });
  afterAll(async () => {
    await app?.close();
    await op?.close();
    await db?.destroy();
  });

  /** Roost's pending-sign-in cookie, read back (it is signed, not encrypted: the browser's own). */
  function pendingOf(browser: Browser) {
    const raw = decodeURIComponent(browser.cookies.get('roost_oidc')!);
    return JSON.parse(raw.slice(0, raw.lastIndexOf('.'))) as {
      state: string;
      nonce: string;
      codeVerifier: string;
    };
  }

  /** Starts SSO in `browser`, signs in at the provider as `sub`, and returns the callback URL. */
  async function throughProvider(browser: Browser, sub: string, next = '/') {
    const start = await browser.get(`/auth/oidc/login?next=${encodeURIComponent(next)}`);
    expect(start.statusCode).toBe(302);
    const authorizationUrl = start.headers.location as string;
    expect(authorizationUrl.startsWith(`${op.issuer}/`)).toBe(true);
    const back = await new ProviderAgent().authorize(authorizationUrl, sub, REDIRECT);
    return { start, authorizationUrl, back };
  }

  async function callback(browser: Browser, back: URL): Promise<LightMyRequestResponse> {
    return browser.get(`/auth/oidc/callback${back.search}`);
  }

  async function signInAs(sub: string, next = '/') {
    const browser = new Browser(app);
    const { back } = await throughProvider(browser, sub, next);
    const res = await callback(browser, back);
    return { browser, res };
  }

  const userBySub = (sub: string) => db.prisma.user.findUnique({ where: { oidcSubject: sub } });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const browser = new Browser(app);
    const res = await browser.get('/auth/oidc/login');
    const url = new URL(res.headers.location as string);
    const pending = pendingOf(browser);
    expect(url.searchParams.get('client_id')).toBe(op.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(
      createHash('sha256').update(pending.codeVerifier).digest('base64url'),
    );
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(url.searchParams.get('nonce')).toBe(pending.nonce);
    const cookie = res.cookies.find((c) => c.name === 'roost_oidc')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/auth/oidc' });
  });

  it('creates the person on first sign-in (email, name, EM user ID, role from groups) and signs them in', async () => {
    op.accounts.set('sub-new-1', {
      email: 'New.Person@Corp.example',
      email_verified: true,
      name: 'New Person',
      preferred_username: 'nperson',
      groups: ['Everyone', 'roost facilities'],
    });
    const { browser, res } = await signInAs('sub-new-1', '/book');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/book');
    expect(browser.cookies.has('roost_session')).toBe(true);
    expect(browser.cookies.has('roost_oidc')).toBe(false);
    // The CSRF secret is renewed at sign-in, as for password sign-in (issue 18).
    expect(res.cookies.some((c) => c.name === '_csrf')).toBe(true);
    const user = await userBySub('sub-new-1');
    expect(user).toMatchObject({
      email: 'new.person@corp.example',
      displayName: 'New Person',
      emUserId: 'nperson',
      role: 'FACILITIES',
    });
    const home = await browser.get('/staff');
    expect(home.statusCode).toBe(200);
    const audit = await db.prisma.auditEvent.findFirst({
      where: { action: 'user.sso-created', subjectId: String(user!.id) },
    });
    expect(audit).not.toBeNull();
  });

  it('updates name, EM user ID and role at later sign-ins (admin group; then no role group)', async () => {
    op.accounts.set('sub-upd', {
      email: 'upd@corp.example',
      email_verified: true,
      name: 'Up Dated',
      preferred_username: 'upd1',
      groups: ['Roost Admins'],
    });
    await signInAs('sub-upd');
    expect(await userBySub('sub-upd')).toMatchObject({ role: 'ADMIN', emUserId: 'upd1' });
    op.accounts.set('sub-upd', {
      email: 'upd@corp.example',
      email_verified: true,
      name: 'Up Dated Again',
      preferred_username: 'upd2',
      groups: [],
    });
    const again = await signInAs('sub-upd');
    expect(again.res.statusCode).toBe(303);
    expect(await userBySub('sub-upd')).toMatchObject({
      role: 'EMPLOYEE',
      emUserId: 'upd2',
      displayName: 'Up Dated Again',
    });
  });

  it('links an existing account by verified email, and never by an unverified one', async () => {
    const existing = await createUser(db.prisma, { email: 'linked@corp.example' });
    op.accounts.set('sub-unverified', {
      email: 'linked@corp.example',
      email_verified: false,
      name: 'Impostor',
    });
    const refused = await signInAs('sub-unverified');
    expect(refused.res.statusCode).toBe(403);
    expect(refused.res.body).toContain('has not confirmed that this address is yours');
    expect(refused.browser.cookies.has('roost_session')).toBe(false);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: existing.id } })).oidcSubject).toBeNull();

    op.accounts.set('sub-linked', {
      email: 'Linked@corp.example',
      email_verified: true,
      name: 'Linked Person',
    });
    const linked = await signInAs('sub-linked');
    expect(linked.res.statusCode).toBe(303);
    const after = await db.prisma.user.findUniqueOrThrow({ where: { id: existing.id } });
    expect(after).toMatchObject({ oidcSubject: 'sub-linked', displayName: 'Linked Person' });
    expect(await db.prisma.user.count({ where: { email: 'linked@corp.example' } })).toBe(1);
  });

  it('refuses a sign-in without an email claim, with a message on the sign-in page', async () => {
    op.accounts.set('sub-no-email', { name: 'No Mail', preferred_username: 'nomail' });
    const { browser, res } = await signInAs('sub-no-email');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('did not send an email address');
    expect(res.body).toContain('role="alert"');
    expect(browser.cookies.has('roost_session')).toBe(false);
    expect(await userBySub('sub-no-email')).toBeNull();
  });

  it('refuses a wrong state', async () => {
    op.accounts.set('sub-state', { email: 'state@corp.example', email_verified: true });
    const browser = new Browser(app);
    const { back } = await throughProvider(browser, 'sub-state');
    back.searchParams.set('state', 'not-the-state');
    const res = await callback(browser, back);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Single sign-on could not be completed');
    expect(await userBySub('sub-state')).toBeNull();
  });

  it('refuses an ID token with a wrong nonce', async () => {
    op.accounts.set('sub-nonce', { email: 'nonce@corp.example', email_verified: true });
    const browser = new Browser(app);
    const start = await browser.get('/auth/oidc/login');
    // The same request as Roost's, with Roost's state and PKCE challenge, but another nonce:
    // everything checks out except the nonce inside the ID token.
    const url = new URL(start.headers.location as string);
    url.searchParams.set('nonce', 'a-nonce-roost-never-issued');
    const back = await new ProviderAgent().authorize(url.href, 'sub-nonce', REDIRECT);
    expect(back.searchParams.get('state')).toBe(pendingOf(browser).state);
    const res = await callback(browser, back);
    expect(res.statusCode).toBe(400);
    expect(await userBySub('sub-nonce')).toBeNull();
  });

  it('refuses an expired authorization code', async () => {
    op.accounts.set('sub-expired', { email: 'expired@corp.example', email_verified: true });
    op.codeTtlSeconds = 1;
    try {
      const browser = new Browser(app);
      const { back } = await throughProvider(browser, 'sub-expired');
      // The provider's own clock decides when its code expires.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      const res = await callback(browser, back);
      expect(res.statusCode).toBe(400);
      expect(await userBySub('sub-expired')).toBeNull();
    } finally {
      op.codeTtlSeconds = 60;
    }
  });

  it('refuses a callback without its pending sign-in, or after the pending sign-in expired', async () => {
    op.accounts.set('sub-late', { email: 'late@corp.example', email_verified: true });
    const browser = new Browser(app);
    const { back } = await throughProvider(browser, 'sub-late');
    const stranger = new Browser(app);
    expect((await callback(stranger, back)).statusCode).toBe(400);
    clock.advance(11 * MINUTE_MS);
    try {
      const res = await callback(browser, back);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('expired');
    } finally {
      clock.advance(-11 * MINUTE_MS);
    }
    expect(await userBySub('sub-late')).toBeNull();
  });

  it('signs out of Roost and of the provider (RP-initiated logout with id_token_hint)', async () => {
    op.accounts.set('sub-out', { email: 'out@corp.example', email_verified: true });
    const { browser } = await signInAs('sub-out');
    const csrf = await browser.csrfFrom('/');
    const res = await browser.post('/signout', {}, { csrf });
    expect(res.statusCode).toBe(303);
    const to = new URL(res.headers.location as string);
    expect(to.href.startsWith(`${op.issuer}/`)).toBe(true);
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${PUBLIC_URL}/signin`);
    expect(to.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(browser.cookies.has('roost_session')).toBe(false);
    expect((await browser.get('/account')).statusCode).toBe(302);
    // The provider accepts that sign-out request: with the hint it ends its session at once.
    const logout = await fetch(to.href);
    expect(logout.status).toBe(200);
    expect(await logout.text()).toContain('/session/end/confirm');
  });

  it('with ROOST_PASSWORD_SIGNIN=false, shows the SSO button and lets only admins use a password', async () => {
    const page = await new Browser(app).get('/signin');
    expect(page.body).toContain('href="/auth/oidc/login?next=%2F"');
    expect(page.body).toContain('Sign in with single sign-on');
    expect(page.body).toContain('Administrator sign-in');
    const employee = await createUser(db.prisma, { email: 'pw-employee@corp.example' });
    const admin = await createUser(db.prisma, { email: 'pw-admin@corp.example', role: 'ADMIN' });
    const b = new Browser(app);
    const refused = await b.post(
      '/signin',
      { email: employee.email, password: 'correct horse battery staple' },
      { csrfFrom: '/signin' },
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('only for administrators');
    expect(b.cookies.has('roost_session')).toBe(false);
    const token = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: employee.email, password: 'correct horse battery staple' },
    });
    expect(token.statusCode).toBe(403);
    const ok = await new Browser(app).signIn(admin.email);
    expect(ok.statusCode).toBe(303);
  });
});
