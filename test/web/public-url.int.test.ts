import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { PhonesService } from '../../src/scheduler/phones-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { publicUrls } from '../../src/web/public-url.js';
import { Browser, createTestApp, testConfig } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 1 Dec 2026, 09:00 in Berlin.
const NOW = '2026-12-01T08:00:00Z';
const HOSTILE = 'evil.example:666';
const LAN = 'http://roost.corp.lan:3000';
const TLS = 'https://roost.example.com';

describe('publicUrls', () => {
  it('joins ROOST_PUBLIC_URL, a path and a query, also under a path prefix', () => {
    const urls = publicUrls('https://corp.example/roost/');
    expect(urls.to('/phone/services', { device: 'SEP1', n: 'a b' })).toBe(
      'https://corp.example/roost/phone/services?device=SEP1&n=a+b',
    );
    expect(urls.to('/readyz')).toBe('https://corp.example/roost/readyz');
    expect(urls.webcal('/calendar/x.ics')).toBe('webcal://corp.example/roost/calendar/x.ics');
    expect(publicUrls(LAN).webcal('/c.ics')).toBe('webcal://roost.corp.lan:3000/c.ics');
  });
});

describe.each(dbTargets)('deployment address: headers and links (%s)', (target) => {
  let db: TestDatabase;
  let lan: FastifyInstance;
  let tls: FastifyInstance;
  let deviceName: string;
  let email: string;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const clock = createManualClock(NOW);
    lan = await createTestApp(db, clock, { publicUrl: LAN, httpsPublicUrl: false, secureCookies: false });
    tls = await createTestApp(db, clock, { publicUrl: TLS, httpsPublicUrl: true, secureCookies: true });
    const site = await createSite(db.prisma);
    const desk = await createDesk(db.prisma, (await createFloor(db.prisma, site.id)).id);
    deviceName = desk.phone!.deviceName;
    email = (await createUser(db.prisma)).email;
  }, 180_000);
  afterAll(async () => {
    await lan?.close();
    await tls?.close();
    await db?.destroy();
  });

  const page = (app: FastifyInstance, url: string) =>
    app.inject({ method: 'GET', url, headers: { host: HOSTILE, accept: 'text/html' } });

  it('plain http: no HSTS and no upgrade-insecure-requests, on pages and on the API docs', async () => {
    for (const url of ['/signin', '/public/roost.css', '/api/v1/docs/static/index.html']) {
      const res = await page(lan, url);
      expect(res.statusCode, url).toBeLessThan(400);
      expect(res.headers['strict-transport-security'], url).toBeUndefined();
      expect(String(res.headers['content-security-policy']), url).not.toMatch(/upgrade-insecure-requests/);
    }
    // The rest of the policy stays strict.
    expect(String((await page(lan, '/signin')).headers['content-security-policy'])).toMatch(
      /script-src 'self'/,
    );
  });

  it('https: HSTS, upgrade-insecure-requests and Secure cookies', async () => {
    const res = await page(tls, '/signin');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d{7,}/);
    expect(String(res.headers['content-security-policy'])).toMatch(/upgrade-insecure-requests/);
    const docs = await page(tls, '/api/v1/docs/static/index.html');
    expect(String(docs.headers['content-security-policy'])).toMatch(/upgrade-insecure-requests/);
    const browser = new Browser(tls, { host: HOSTILE });
    const signedIn = await browser.signIn(email);
    const cookies = signedIn.cookies;
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c.secure, c.name).toBe(true);
  });

  it('plain http: cookies are not Secure, so sign-in works over http', async () => {
    const signedIn = await new Browser(lan, { host: HOSTILE }).signIn(email);
    expect(signedIn.cookies.length).toBeGreaterThan(0);
    for (const c of signedIn.cookies) expect(c.secure, c.name).not.toBe(true);
  });

  it('phone screens link to ROOST_PUBLIC_URL whatever the Host header says', async () => {
    for (const [app, base] of [
      [lan, LAN],
      [tls, TLS],
    ] as const) {
      const res = await app.inject({
        method: 'GET',
        url: `/phone/services?device=${deviceName}`,
        headers: { host: HOSTILE, 'x-forwarded-host': HOSTILE, 'x-forwarded-proto': 'gopher' },
      });
      expect(res.statusCode).toBe(200);
      const urls = [...res.body.matchAll(/<URL>([^<]*)<\/URL>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
      const http = urls.filter((u) => !u.startsWith('SoftKey:'));
      expect(http.length).toBeGreaterThan(0);
      for (const u of http) expect(u.startsWith(`${base}/phone/`), u).toBe(true);
      expect(res.body).not.toContain('evil.example');
    }
  });

  it('the calendar feed link is built from ROOST_PUBLIC_URL, not the Host header', async () => {
    const browser = new Browser(lan, { host: HOSTILE });
    await browser.signIn(email);
    const res = await browser.post('/account/calendar/reset', {}, { csrfFrom: '/account/calendar' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(new RegExp(`value="${LAN}/calendar/[^"]+\\.ics"`));
    expect(res.body).toMatch(/href="webcal:\/\/roost\.corp\.lan:3000\/calendar\/[^"]+\.ics"/);
    expect(res.body).not.toContain('evil.example');
  });

  it('the Phones page tells staff the phone service URL from ROOST_PUBLIC_URL', async () => {
    // Only the page's frame matters here: no floors, so no EM calls.
    const phones = {
      floorPhones: async () => ({ floors: [], floor: null, phones: [], emAvailable: true }),
    } as unknown as PhonesService;
    const app = await buildApp({
      config: testConfig({ publicUrl: LAN }),
      db,
      clock: createManualClock(NOW),
      logger: false,
      phones,
    });
    try {
      const staff = await createUser(db.prisma, { role: 'FACILITIES' });
      const browser = new Browser(app, { host: HOSTILE });
      await browser.signIn(staff.email);
      const res = await browser.get('/staff/phones');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`<code>${LAN}/phone/services?device=#DEVICENAME#</code>`);
      expect(res.body).not.toContain('evil.example');
    } finally {
      await app.close();
    }
  });
});
