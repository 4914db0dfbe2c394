import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFloorPlan } from '../../src/admin/floor-plan.js';
import { createPeopleService } from '../../src/admin/people-service.js';
import { buildApp } from '../../src/app.js';
import { issueCalendarToken } from '../../src/calendar/calendar-feed.js';
import { RoostError } from '../../src/errors.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, apiToken, createTestApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { TEST_PASSWORD, createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

/** Regression tests for what probing the running app found (issue 18). */
describe.each(dbTargets)('accounts that defend themselves (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  // Behind a reverse proxy (ROOST_TRUST_PROXY): the client address comes from X-Forwarded-For.
  const from = (address: string) => new Browser(app, { 'x-forwarded-for': address });
  const signInFrom = (address: string, email: string, password: string) =>
    from(address).post('/signin', { email, password, next: '/' }, { csrfFrom: '/signin' });

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock, { trustProxy: true });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('does not lock the owner out from their usual address when someone else guesses from another', async () => {
    const owner = await createUser(db.prisma);
    expect((await signInFrom('198.51.100.7', owner.email, TEST_PASSWORD)).statusCode).toBe(303);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await signInFrom('203.0.113.66', owner.email, `guess-${i}`)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
    expect((await signInFrom('198.51.100.7', owner.email, TEST_PASSWORD)).statusCode).toBe(303);
  });

  it('uses the real client address behind a proxy: one address spraying accounts does not block everyone', async () => {
    for (let i = 0; i < 25; i++) await signInFrom('203.0.113.80', `nobody-${i}@test.example`, 'x');
    const colleague = await createUser(db.prisma);
    expect((await signInFrom('198.51.100.20', colleague.email, TEST_PASSWORD)).statusCode).toBe(303);
  });

  it('slows an address that sprays many accounts, with delays that grow', async () => {
    const sprayer = '203.0.113.90';
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await signInFrom(sprayer, `spray-${i}@test.example`, 'x')).statusCode);
    expect(statuses.every((s) => s === 401)).toBe(true);
    const fresh = await createUser(db.prisma);
    const first = await signInFrom(sprayer, fresh.email, TEST_PASSWORD);
    expect(first.statusCode).toBe(429);
    expect(first.headers['retry-after']).toBe('30');
    clock.advance(30_000);
    expect((await signInFrom(sprayer, 'spray-x@test.example', 'x')).statusCode).toBe(401);
    const second = await signInFrom(sprayer, fresh.email, TEST_PASSWORD);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('60');
    clock.advance(60_000);
    // The owner's own first sign-in from that address works once the delay has passed.
    expect((await signInFrom(sprayer, fresh.email, TEST_PASSWORD)).statusCode).toBe(303);
  });

  it('answers a throttled API sign-in with a Retry-After equal to the seconds in its body', async () => {
    const victim = await createUser(db.prisma);
    const headers = { 'x-forwarded-for': '203.0.113.101' };
    // Eight wrong passwords, waiting out each delay: the ninth try must wait 30 s x 2^3.
    for (let failures = 0; failures < 8;) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers,
        payload: { email: victim.email, password: `wrong-${failures}` },
      });
      if (res.statusCode === 429) clock.advance(Number(res.headers['retry-after']) * 1000);
      else failures++;
    }
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers,
      payload: { email: victim.email, password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(429);
    const body = res.json<{ retryAfterSeconds: number; message: string }>();
    expect(body.retryAfterSeconds).toBe(240);
    expect(res.headers['retry-after']).toBe(String(body.retryAfterSeconds));
    expect(body.message).toContain(`${body.retryAfterSeconds} seconds`);
    const page = await signInFrom('203.0.113.101', victim.email, TEST_PASSWORD);
    expect(page.statusCode).toBe(429);
    expect(page.body).toContain(`${page.headers['retry-after']} seconds`);
  });

  it("refuses another person's CSRF token and cookie pair, and renews the secret at sign-in", async () => {
    const [ann, ben] = [await createUser(db.prisma), await createUser(db.prisma)];
    const a = from('198.51.100.31');
    const b = from('198.51.100.32');
    const beforeSignIn = a.cookies.get('_csrf') ?? (await a.csrfFrom('/signin'), a.cookies.get('_csrf'));
    await a.signIn(ann.email);
    expect(a.cookies.get('_csrf')).toBeDefined();
    expect(a.cookies.get('_csrf')).not.toBe(beforeSignIn);
    await b.signIn(ben.email);
    const annToken = await a.csrfFrom('/account');
    // Ben's session with Ann's CSRF cookie and token.
    b.cookies.set('_csrf', a.cookies.get('_csrf')!);
    const res = await b.post('/account/language', { language: 'de' }, { csrf: annToken });
    expect(res.statusCode).toBe(403);
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: ben.id } })).language).toBeNull();
    // Ann's own pair still works.
    expect((await a.post('/account/language', { language: 'de' }, { csrf: annToken })).statusCode).toBe(303);
  });

  it('never accepts the session cookie on the API, also when the request line carries an absolute URL', async () => {
    const user = await createUser(db.prisma);
    const browser = from('198.51.100.40');
    await browser.signIn(user.email);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(
            `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
          ),
        );
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
    const absolute = await raw(`http://127.0.0.1:${port}/api/v1/sites`);
    const relative = await raw('/api/v1/sites');
    expect(relative.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(absolute.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    const token = await apiToken(app, user.email);
    const ok = await app.inject({
      method: 'GET',
      url: '/api/v1/sites',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('answers a Host header too long for phone screens with a 4xx, not a 500', async () => {
    const site = await createSite(db.prisma);
    const desk = await createDesk(db.prisma, (await createFloor(db.prisma, site.id)).id);
    const res = await app.inject({
      method: 'GET',
      url: `/phone/services?device=${desk.phone!.deviceName}`,
      headers: { host: `${'a'.repeat(243)}.test` },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.body).toContain('too long');
  });

  it('refuses EM user IDs that differ only in case: ADA.LOVELACE cannot go to another person', async () => {
    const ada = await createUser(db.prisma, { emUserId: 'ada.lovelace' });
    const admin = await createUser(db.prisma, { role: 'ADMIN' });
    const people = createPeopleService({ prisma: db.prisma, clock });
    const actor = { id: admin.id, role: 'ADMIN' as const, label: `user:${admin.id}` };
    await expect(
      people.create(actor as never, {
        email: 'other@test.example',
        displayName: 'Other',
        emUserId: 'ADA.LOVELACE',
      }),
    ).rejects.toThrow(/ADA\.LOVELACE belongs to/);
    const other = await createUser(db.prisma);
    await expect(
      db.prisma.user.update({ where: { id: other.id }, data: { emUserId: 'Ada.Lovelace' } }),
    ).rejects.toThrow();
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: ada.id } })).emUserId).toBe('ada.lovelace');
  });
});

describe('floor plans nested deeper than the parser allows', () => {
  it('are refused with a clear message (INVALID_INPUT), not an exception that becomes a 500', () => {
    const depth = 150;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">${'<g>'.repeat(depth)}${'</g>'.repeat(depth)}</svg>`;
    let error: unknown;
    try {
      checkFloorPlan(svg);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoostError);
    expect((error as RoostError).code).toBe('INVALID_INPUT');
    expect((error as Error).message).toMatch(/nested more than 100 deep/);
  });
});

describe.each(dbTargets)('calendar feed logs (%s)', (target) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(target);
  });
  afterAll(async () => db?.destroy());

  it('never writes the secret feed URL to the request log', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const app = await buildApp({
      config: testConfig(),
      db,
      clock: createManualClock('2026-12-01T08:00:00Z'),
      logger,
    });
    await app.ready();
    const user = await createUser(db.prisma);
    const token = await issueCalendarToken(db.prisma, user.id);
    const res = await app.inject({ method: 'GET', url: `/calendar/${token}.ics` });
    expect(res.statusCode).toBe(200);
    await app.inject({ method: 'GET', url: `/calendar/${token}x.ics` });
    await app.close();
    const log = lines.join('');
    expect(log).toContain('/calendar/***.ics');
    expect(log).not.toContain(token);
  });
});
