import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { createWebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createUrlGuard } from '../../src/webhooks/url-guard.js';
import { Browser, apiToken, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { Receiver } from '../webhooks/receiver.js';

// Tuesday 1 Dec 2026, 08:00 in Berlin (UTC+1).
const NOW = '2026-12-01T07:00:00Z';
const quiet = { info() {}, warn() {}, error() {} };

describe.each(dbTargets)('webhooks API and page (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let strictApp: FastifyInstance;
  let clock: ManualClock;
  let deskId: number;
  let employee: string;
  let staff: string;
  let staffEmail: string;
  let strictStaff: string;
  let receiver: Receiver;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    clock = createManualClock(NOW);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    deskId = (await createDesk(db.prisma, (await createFloor(db.prisma, site.id)).id)).id;
    // The receiver runs on 127.0.0.1, which this app's allow-list names; strictApp has none.
    app = await createTestApp(db, clock, { webhookAllowedHosts: ['127.0.0.1'] });
    strictApp = await createTestApp(db, clock);
    employee = await apiToken(app, (await createUser(db.prisma)).email);
    staffEmail = (await createUser(db.prisma, { role: 'FACILITIES' })).email;
    staff = await apiToken(app, staffEmail);
    strictStaff = await apiToken(strictApp, staffEmail);
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
    await app?.close();
    await strictApp?.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    clock.set(NOW);
    receiver.received = [];
    await db.prisma.webhookEndpoint.deleteMany();
    await db.prisma.reservation.deleteMany();
  });

  const call = (
    token: string | null,
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: unknown,
    on = app,
  ) =>
    on.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  it('registers an endpoint (201 with a whsec_ secret, once), lists, reads and removes it, audited', async () => {
    const created = await call(staff, 'POST', '/api/v1/admin/webhooks', {
      url: receiver.url,
      events: ['reservation.created', 'phone.failed'],
      description: 'Room display',
    });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({
      id: expect.any(Number),
      url: receiver.url,
      events: ['reservation.created', 'phone.failed'],
      status: 'new',
      secret: expect.stringMatching(/^whsec_/),
    });
    expect(created.headers.location).toBe(`/api/v1/admin/webhooks/${body.id}`);

    const list = await call(staff, 'GET', '/api/v1/admin/webhooks');
    expect(list.statusCode).toBe(200);
    expect(list.json().webhooks).toEqual([
      expect.objectContaining({ id: body.id, description: 'Room display' }),
    ]);
    expect(list.body).not.toContain(body.secret);
    const one = await call(staff, 'GET', `/api/v1/admin/webhooks/${body.id}`);
    expect(one.json()).toMatchObject({ id: body.id, pending: 0, delivered: 0 });
    expect(one.body).not.toContain(body.secret);

    expect((await call(staff, 'DELETE', `/api/v1/admin/webhooks/${body.id}`)).statusCode).toBe(204);
    expect((await call(staff, 'GET', `/api/v1/admin/webhooks/${body.id}`)).statusCode).toBe(404);
    expect((await call(staff, 'DELETE', `/api/v1/admin/webhooks/${body.id}`)).statusCode).toBe(404);

    const audit = await db.prisma.auditEvent.findMany({
      where: { subjectType: 'webhook', subjectId: String(body.id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => [a.action, a.actorLabel])).toEqual([
      ['webhook.create', staffEmail],
      ['webhook.delete', staffEmail],
    ]);
    expect(JSON.stringify(audit)).not.toContain(body.secret);
  });

  it('is for staff: 401 without a token, 403 for an employee', async () => {
    expect((await call(null, 'GET', '/api/v1/admin/webhooks')).statusCode).toBe(401);
    for (const [method, url] of [
      ['GET', '/api/v1/admin/webhooks'],
      ['POST', '/api/v1/admin/webhooks'],
      ['DELETE', '/api/v1/admin/webhooks/1'],
    ] as const) {
      const res = await call(employee, method, url, method === 'POST' ? { url: 'x', events: [] } : undefined);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().message).toBe('Only facilities staff can do this.');
    }
  });

  it('refuses bad input with a message a person can act on (400)', async () => {
    const post = (payload: unknown, on = app, token = staff) =>
      call(token, 'POST', '/api/v1/admin/webhooks', payload, on);
    const bad = [
      [{ url: receiver.url, events: ['reservation.deleted'] }, /events/],
      [{ url: receiver.url, events: [] }, /events/],
      [{ url: receiver.url }, /events/],
      [{ url: receiver.url, events: ['phone.failed'], extra: 1 }, /extra|additional/i],
      [{ url: 'gopher://example.com/', events: ['phone.failed'] }, /https:\/\//],
    ] as const;
    for (const [payload, why] of bad) {
      const res = await post(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toMatch(why);
    }
    // SSRF: without an allow-list, loopback, metadata and names resolving to loopback are refused.
    for (const [url, why] of [
      [receiver.url, /127\.0\.0\.1 is a loopback address/],
      ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
      ['http://[::1]:8080/hook', /loopback/],
      ['http://localhost:8080/hook', /loopback/],
      ['http://10.1.2.3/hook', /private/],
    ] as const) {
      const res = await post({ url, events: ['phone.failed'] }, strictApp, strictStaff);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message, url).toMatch(why);
      expect(res.json().message).toContain('ROOST_WEBHOOK_ALLOWED_HOSTS');
    }
    expect(await db.prisma.webhookEndpoint.count()).toBe(0);
  });

  it('delivers a booking made through the API to the registered endpoint, signed', async () => {
    const created = (
      await call(staff, 'POST', '/api/v1/admin/webhooks', {
        url: receiver.url,
        events: ['reservation.created'],
      })
    ).json();
    receiver.secret = created.secret;
    const booked = await call(employee, 'POST', '/api/v1/reservations', {
      deskId,
      start: '2026-12-01T10:00:00+01:00',
      end: '2026-12-01T12:00:00+01:00',
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const dispatcher = createWebhookDispatcher({
      prisma: db.prisma,
      clock,
      log: quiet,
      guard: createUrlGuard({ allowedHosts: ['127.0.0.1'] }),
    });
    await dispatcher.tick(clock.now());
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({
      verified: true,
      json: {
        type: 'reservation.created',
        data: { reservation: { id: booked.json().id, status: 'BOOKED' } },
      },
    });
    const log = await call(staff, 'GET', `/api/v1/admin/webhooks/${created.id}/deliveries`);
    expect(log.json().deliveries).toEqual([
      expect.objectContaining({
        event: 'reservation.created',
        state: 'DELIVERED',
        attempts: 1,
        lastStatus: 204,
        messageId: receiver.received[0]!.id,
      }),
    ]);
  });

  it('has a staff page to register (secret shown once), see the delivery log, and remove', async () => {
    const browser = new Browser(app);
    await browser.signIn(staffEmail);
    const page = await browser.get('/staff/webhooks');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('reservation.checked_in');

    const refused = await browser.post(
      '/staff/webhooks',
      { url: 'http://169.254.169.254/', events: ['phone.failed'] },
      { csrfFrom: '/staff/webhooks' },
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('cloud metadata');
    expect(refused.body).toContain('value="http://169.254.169.254/"');

    const created = await browser.post(
      '/staff/webhooks',
      { url: receiver.url, events: ['reservation.created', 'reservation.cancelled'] },
      { csrfFrom: '/staff/webhooks' },
    );
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const secret = /value="(whsec_[^"]+)"/.exec(created.body)?.[1];
    expect(secret).toBeDefined();
    const [endpoint] = await db.prisma.webhookEndpoint.findMany();
    expect(endpoint).toMatchObject({ secret, events: ['reservation.created', 'reservation.cancelled'] });
    expect((await browser.get('/staff/webhooks')).body).not.toContain(secret!);

    const log = await browser.get(`/staff/webhooks/${endpoint!.id}`);
    expect(log.statusCode).toBe(200);
    expect(log.body).toContain('Nothing sent to this endpoint yet.');

    // German, like every page Roost adds.
    const german = new Browser(app, { 'accept-language': 'de' });
    await german.signIn(staffEmail);
    expect((await german.get('/staff/webhooks')).body).toContain('Endpunkt registrieren');

    const removed = await browser.post(
      `/staff/webhooks/${endpoint!.id}/delete`,
      {},
      { csrfFrom: '/staff/webhooks' },
    );
    expect(removed.statusCode).toBe(303);
    expect(await db.prisma.webhookEndpoint.count()).toBe(0);
    // Without a CSRF token the form is refused.
    const noCsrf = await browser.post(
      '/staff/webhooks',
      { url: receiver.url, events: ['phone.failed'] },
      { csrf: null },
    );
    expect(noCsrf.statusCode).toBe(403);
  });
});
