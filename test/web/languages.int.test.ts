import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createSite, createUser } from '../helpers/factories.js';

const lang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];

describe.each(dbTargets)('the language of the pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let email: string;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    email = (await createUser(db.prisma, { homeSiteId: site.id })).email;
    app = await createTestApp(db, createManualClock('2026-12-02T07:14:00Z'));
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('follows Accept-Language when the person has chosen nothing, English when it names none of ours', async () => {
    const german = new Browser(app, { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' });
    await german.signIn(email);
    const page = await german.get('/account');
    expect(lang(page.body)).toBe('de');
    expect(page.headers['content-language']).toBe('de');
    expect(page.body).toContain('Meine Buchungen');
    expect(page.body).toContain('Wie mein Browser es wünscht (Deutsch)');

    const french = new Browser(app, { 'accept-language': 'fr-FR,fr;q=0.9' });
    const signin = await french.get('/signin');
    expect(lang(signin.body)).toBe('en');
  });

  it('a person who chose English sees English whatever the browser sends, and can go back to the browser', async () => {
    const browser = new Browser(app, { 'accept-language': 'de-DE' });
    await browser.signIn(email);
    const chosen = await browser.post('/account/language', { language: 'en' }, { csrfFrom: '/account' });
    expect([chosen.statusCode, chosen.headers.location]).toEqual([303, '/account']);
    const english = await browser.get('/account');
    expect(lang(english.body)).toBe('en');
    expect(english.body).toContain('Roost now speaks English to you.');
    expect(english.body).toContain('My bookings');
    expect(english.body).not.toContain('Meine Buchungen');

    await browser.post('/account/language', { language: '' }, { csrfFrom: '/account' });
    const back = await browser.get('/account');
    expect(lang(back.body)).toBe('de');
    expect(back.body).toContain('Roost spricht jetzt Deutsch mit Ihnen.');
  });

  it('refuses a language Roost does not have, and keeps the setting', async () => {
    const browser = new Browser(app, { 'accept-language': 'de-DE' });
    await browser.signIn(email);
    const res = await browser.post('/account/language', { language: 'fr' }, { csrfFrom: '/account' });
    expect(res.statusCode).toBe(400);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(user.language).toBeNull();
  });
});
