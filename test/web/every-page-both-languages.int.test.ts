import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createEmClientRegistry } from '../../src/scheduler/em-clients.js';
import { createPhonesService } from '../../src/scheduler/phones-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, testConfig } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

/**
 * Acceptance of issue 16: with Accept-Language: de-DE every page reads in German and says so
 * in <html lang>. Each GET page is rendered twice, in German and in English, as an employee,
 * facilities staff and an admin; a text a person reads that is the same in both and has
 * English words in it was not translated. Words that are the same in both languages by right
 * (names from the data, product names, codes) are allowed below.
 */
const SAME_IN_BOTH = new Set(
  [
    'Roost',
    'EM',
    'CSV',
    'SVG',
    'PIN',
    'CUCM',
    'API',
    'Extension Mobility',
    'Name',
    'Team',
    'Status',
    'Service',
    'Services',
    'Start',
    'Token',
    'Tokens',
    'Webhooks',
    'Webhook',
    'Admin',
    'ics',
    'Europe/Berlin',
    'America/New_York',
    'Etage 1',
    'hh:mm',
    'Code',
    'Position',
    // Each language's own name, and Cisco's parameter name, stay as they are.
    'Deutsch',
    'English',
    'Maximum',
    'Concurrent',
    'Requests',
    'Berlin',
    // CSV column names, which files must use as they are.
    'site',
    'floor',
    'label',
    'email',
    'displayName',
  ].map((w) => w.toLowerCase()),
);

/** The texts a person reads: text between tags, and labels read out by assistive technology. */
function texts(html: string): string[] {
  const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ');
  const between = body.split(/<[^>]+>/);
  const labels = [...body.matchAll(/(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]!);
  return [...between, ...labels]
    .map((t) =>
      t
        .replace(/&[a-z#0-9]+;/gi, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((t) => t !== '');
}

/**
 * Words that are not data, product names or codes (event names like reservation.created, CSV
 * lines, URLs, zones: anything with . _ / @ = or a digit inside): two of them are prose.
 */
function looksEnglish(text: string, data: string[]): boolean {
  let rest = text;
  for (const d of data) rest = rest.split(d).join(' ');
  const words = rest
    .split(/\s+/)
    .map((token) => token.replace(/^[("„]+|[)"“.,:;!?]+$/g, ''))
    .filter((token) => /^[A-Za-z][A-Za-z'-]+$/.test(token))
    .filter((w) => !SAME_IN_BOTH.has(w.toLowerCase()));
  return (
    words.length >= 2 || (words.length === 1 && /^[A-Z]?[a-z]{3,}$/.test(words[0]!) && text === words[0])
  );
}

const lang = (html: string) => /<html lang="([^"]+)">/.exec(html)?.[1];

describe.each(dbTargets)('every page in German and in English (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const people: Record<'employee' | 'facilities' | 'admin', string> = {
    employee: '',
    facilities: '',
    admin: '',
  };
  let data: string[] = [];
  let ids: { site: number; floor: number; desk: number; person: number };

  beforeAll(async () => {
    db = await createTestDatabase(target);
    // A cluster nobody answers at (a closed port): the Phones page shows nodes and phones anyway.
    const cluster = await db.prisma.emCluster.create({
      data: {
        name: 'CUCM',
        serviceUrl: 'http://127.0.0.1:9',
        appUser: 'emapi',
        secretRef: 'env:ROOST_EM_APP_PASSWORD',
      },
    });
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin', emClusterId: cluster.id });
    const floor = await createFloor(db.prisma, site.id, 'Etage 1');
    const desk = await createDesk(db.prisma, floor.id, { label: '1.01' });
    const ada = await createUser(db.prisma, { homeSiteId: site.id });
    people.employee = ada.email;
    people.facilities = (await createUser(db.prisma, { role: 'FACILITIES', homeSiteId: site.id })).email;
    people.admin = (await createUser(db.prisma, { role: 'ADMIN', homeSiteId: site.id })).email;
    await db.prisma.reservation.create({
      data: {
        deskId: desk.id,
        userId: ada.id,
        startsAt: new Date('2026-12-03T08:00:00Z'),
        endsAt: new Date('2026-12-03T15:30:00Z'),
      },
    });
    const users = await db.prisma.user.findMany();
    data = [
      site.name,
      floor.name,
      ...users.flatMap((u) => [u.displayName, u.email]),
      ...(await db.prisma.emCluster.findMany()).map((c) => c.name),
    ].sort((a, b) => b.length - a.length);
    ids = { site: site.id, floor: floor.id, desk: desk.id, person: ada.id };
    const clock = createManualClock('2026-12-02T07:14:00Z');
    const config = testConfig();
    const phones = createPhonesService({
      prisma: db.prisma,
      clock,
      emClients: createEmClientRegistry({ prisma: db.prisma, config, clock }),
    });
    app = await buildApp({ config, db, clock, logger: false, phones });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const pagesOf = (role: keyof typeof people) => {
    const own = [
      '/',
      '/book',
      '/book/series',
      '/account',
      '/account/calendar',
      '/account/password',
      '/account/phone-pin',
      '/account/tokens',
      '/account/totp',
    ];
    const staff = [
      '/staff',
      '/staff/sites',
      `/staff/sites/${ids.site}`,
      '/staff/floors',
      `/staff/floors/${ids.floor}`,
      `/staff/floors/${ids.floor}/day?date=2026-12-03`,
      '/staff/day',
      `/staff/desks/${ids.desk}`,
      '/staff/desks/import',
      '/staff/people',
      '/staff/people/new',
      `/staff/people/${ids.person}`,
      '/staff/people/import',
      '/staff/policies',
      `/staff/policies/${ids.site}`,
      '/staff/audit',
      '/staff/insight',
      '/staff/webhooks',
      '/staff/phones',
      `/staff/phones?floorId=${ids.floor}`,
    ];
    const admin = ['/staff/clusters'];
    return role === 'employee'
      ? own
      : role === 'facilities'
        ? [...own, ...staff]
        : [...own, ...staff, ...admin];
  };

  const browserIn = (acceptLanguage: string) => new Browser(app, { 'accept-language': acceptLanguage });

  it('the pages before sign-in', async () => {
    for (const url of ['/signin', '/', '/signin/forgot']) {
      const de = (await browserIn('de-DE,de;q=0.9').get(url)).body;
      const en = (await browserIn('en-US,en;q=0.9').get(url)).body;
      expect(lang(de), url).toBe('de');
      expect(lang(en), url).toBe('en');
      const english = new Set(texts(en));
      expect(
        texts(de).filter((t) => english.has(t) && looksEnglish(t, data)),
        url,
      ).toEqual([]);
    }
  });

  it.each(['employee', 'facilities', 'admin'] as const)('every page of %s reads in German', async (role) => {
    const de = browserIn('de-DE,de;q=0.9,en;q=0.8');
    const en = browserIn('en-GB,en;q=0.9');
    await de.signIn(people[role]);
    await en.signIn(people[role]);
    const untranslated: string[] = [];
    for (const url of pagesOf(role)) {
      const [dePage, enPage] = [await de.get(url), await en.get(url)];
      expect(dePage.statusCode, url).toBe(200);
      expect(lang(dePage.body), url).toBe('de');
      expect(lang(enPage.body), url).toBe('en');
      const english = new Set(texts(enPage.body));
      // Berlin's zone is MEZ/MESZ in German, CET/CEST in English.
      for (const t of texts(dePage.body)) if (/\bCES?T\b/.test(t)) untranslated.push(`${url}: ${t}`);
      for (const t of texts(dePage.body))
        if (english.has(t) && looksEnglish(t, data)) untranslated.push(`${url}: ${t}`);
    }
    expect([...new Set(untranslated)]).toEqual([]);
  });

  it('the check itself finds an untranslated text and passes names and product words', () => {
    expect(looksEnglish('Save cluster', data)).toBe(true);
    expect(looksEnglish('Calendar', data)).toBe(true);
    expect(looksEnglish('Roost', data)).toBe(false);
    expect(looksEnglish('1.01', data)).toBe(false);
    expect(looksEnglish(`${data[0]}`, data)).toBe(false);
  });
});
