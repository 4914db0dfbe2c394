import type { FastifyInstance } from 'fastify';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { TEST_PASSWORD, createUser } from '../helpers/factories.js';

/** Issue 18: optional TOTP for password sign-in, recovery codes, required for staff by an admin. */
describe.each(dbTargets)('two-step sign-in (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  const codeFor = (secret: string) => authenticator.clone({ epoch: clock.now().getTime() }).generate(secret);

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  async function enrol(browser: Browser) {
    const page = await browser.get('/account/totp');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(page.body)![1]!;
    const wrong = await browser.post(
      '/account/totp/enable',
      { secret, code: '000000' === codeFor(secret) ? '111111' : '000000' },
      { csrfFrom: '/account/totp' },
    );
    expect(wrong.statusCode).toBe(400);
    const done = await browser.post(
      '/account/totp/enable',
      { secret, code: codeFor(secret) },
      { csrfFrom: '/account/totp' },
    );
    expect(done.statusCode).toBe(200);
    const codes = [...done.body.matchAll(/<li><code>([a-z0-9]{10})<\/code><\/li>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    return { secret, codes };
  }

  it('asks for the code after a right password, and accepts a recovery code once', async () => {
    const me = await createUser(db.prisma);
    const first = new Browser(app);
    await first.signIn(me.email);
    const { secret, codes } = await enrol(first);
    const stored = await db.prisma.user.findUniqueOrThrow({ where: { id: me.id } });
    expect(stored.totpRecoveryHashes.some((h) => codes.includes(h))).toBe(false);

    const browser = new Browser(app);
    const password = await browser.post(
      '/signin',
      { email: me.email, password: TEST_PASSWORD, next: '/' },
      { csrfFrom: '/signin' },
    );
    expect(password.statusCode).toBe(303);
    expect(password.headers.location).toBe('/signin/totp');
    // No session yet: the password alone does not sign in.
    expect((await browser.get('/account')).statusCode).toBe(302);
    const bad = await browser.post('/signin/totp', { code: '12345x' }, { csrfFrom: '/signin/totp' });
    expect(bad.statusCode).toBe(401);
    const ok = await browser.post('/signin/totp', { code: codeFor(secret) }, { csrfFrom: '/signin/totp' });
    expect(ok.statusCode).toBe(303);
    expect((await browser.get('/account')).statusCode).toBe(200);

    // A recovery code works once.
    const recover = async () => {
      const b = new Browser(app);
      await b.post(
        '/signin',
        { email: me.email, password: TEST_PASSWORD, next: '/' },
        { csrfFrom: '/signin' },
      );
      return b.post('/signin/totp', { code: codes[0]! }, { csrfFrom: '/signin/totp' });
    };
    expect((await recover()).statusCode).toBe(303);
    expect((await recover()).statusCode).toBe(401);

    // The API needs the code too.
    const noCode = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email, password: TEST_PASSWORD },
    });
    expect(noCode.statusCode).toBe(401);
    const withCode = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { email: me.email, password: TEST_PASSWORD, totp: codeFor(secret) },
    });
    expect(withCode.statusCode).toBe(201);
  });

  it('lets an admin require it for staff, who must then set it up before anything else', async () => {
    const admin = await createUser(db.prisma, { role: 'ADMIN' });
    const staff = await createUser(db.prisma, { role: 'FACILITIES' });
    const employee = await createUser(db.prisma);
    const adminBrowser = new Browser(app);
    await adminBrowser.signIn(admin.email);
    const set = await adminBrowser.post(
      '/account/totp/policy',
      { required: 'on' },
      { csrfFrom: '/account/totp' },
    );
    expect(set.statusCode).toBe(303);

    const staffBrowser = new Browser(app);
    await staffBrowser.signIn(staff.email);
    const blocked = await staffBrowser.get('/staff');
    expect(blocked.statusCode).toBe(302);
    expect(blocked.headers.location).toBe('/account/totp');
    await enrol(staffBrowser);
    expect((await staffBrowser.get('/staff')).statusCode).toBe(200);

    const employeeBrowser = new Browser(app);
    await employeeBrowser.signIn(employee.email);
    expect((await employeeBrowser.get('/')).statusCode).toBe(200);

    const byEmployee = await employeeBrowser.post('/account/totp/policy', {}, { csrfFrom: '/account/totp' });
    expect(byEmployee.statusCode).toBe(403);
  });
});
