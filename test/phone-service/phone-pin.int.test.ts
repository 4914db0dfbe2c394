import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/passwords.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createUser } from '../helpers/factories.js';

describe.each(dbTargets)('setting a phone PIN (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, createManualClock('2026-12-01T08:00:00Z'));
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('stores a 6–12 digit PIN as an argon2id hash, and refuses bad ones with the form shown again', async () => {
    const user = await createUser(db.prisma, { emUserId: 'grace' });
    const browser = new Browser(app);
    await browser.signIn(user.email);
    const page = await browser.get('/account/phone-pin');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('grace');
    expect(page.body).toContain('no phone PIN yet');

    for (const [pin, confirm, message] of [
      ['12a456', '12a456', '6 to 12 digits'],
      ['4826', '4826', '6 to 12 digits'],
      ['12345', '12345', '6 to 12 digits'],
      ['1234567890123', '1234567890123', '6 to 12 digits'],
      ['111111', '111111', 'not all one digit'],
      ['123456', '123456', 'a run like 123456'],
      ['482615', '482715', 'do not match'],
    ] as const) {
      const res = await browser.post(
        '/account/phone-pin',
        { pin, confirm },
        { csrfFrom: '/account/phone-pin' },
      );
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(message);
      expect(res.body).toContain('aria-describedby="pin-error"');
    }
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).phonePinHash).toBeNull();

    const ok = await browser.post(
      '/account/phone-pin',
      { pin: '482615', confirm: '482615' },
      { csrfFrom: '/account/phone-pin' },
    );
    expect(ok.statusCode).toBe(303);
    const hash = (await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).phonePinHash!;
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, '482615')).toBe(true);
    expect((await browser.get('/account/phone-pin')).body).toContain('You have a phone PIN');

    const removed = await browser.post('/account/phone-pin/remove', {}, { csrfFrom: '/account/phone-pin' });
    expect(removed.statusCode).toBe(303);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).phonePinHash).toBeNull();
  });

  it('needs a signed-in user and a CSRF token', async () => {
    const anonymous = await app.inject({
      method: 'GET',
      url: '/account/phone-pin',
      headers: { accept: 'text/html' },
    });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toMatch(/^\/signin/);
    const user = await createUser(db.prisma);
    const browser = new Browser(app);
    await browser.signIn(user.email);
    const forged = await browser.post(
      '/account/phone-pin',
      { pin: '482615', confirm: '482615' },
      { csrf: null },
    );
    expect(forged.statusCode).toBe(403);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).phonePinHash).toBeNull();
  });
});
