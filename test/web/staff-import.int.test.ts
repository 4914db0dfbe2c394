import type { FastifyInstance } from 'fastify';
import { renderMessages } from '../../src/i18n/render-message.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesksService } from '../../src/admin/desks-service.js';
import { createPeopleService, type StaffActor } from '../../src/admin/people-service.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { RoostError } from '../../src/errors.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

async function refusal(promise: Promise<unknown>): Promise<RoostError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RoostError) return error;
    throw error;
  }
  throw new Error('the import was accepted');
}

describe.each(dbTargets)('CSV imports (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let staff: Browser;
  let actor: StaffActor;
  let floorId: number;
  const clock = createManualClock('2026-12-01T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const site = await createSite(db.prisma, { name: 'Berlin' });
    floorId = (await createFloor(db.prisma, site.id, '3rd floor')).id;
    await createDesk(db.prisma, floorId, { label: '3.01', phone: 'SEP111111111111' });
    const fm = await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@test.example' });
    actor = { id: fm.id, label: fm.email, role: 'FACILITIES' };
    staff = new Browser(app);
    await staff.signIn(fm.email);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const desks = () => createDesksService({ prisma: db.prisma, clock });
  const people = () => createPeopleService({ prisma: db.prisma, clock });

  it('imports desks, creating and updating, with phones, in one go', async () => {
    const csv = [
      'site,floor,label,features,bookable,posX,posY,phone,phoneModel',
      'Berlin,3rd floor,3.01,standing,no,10,20,,',
      'berlin,3RD FLOOR,3.02,"dual-monitor;standing",yes,30,40,sep222222222222,Cisco 8851',
      'Berlin,3rd floor,3.03,,,50,60,SEP111111111111,',
    ].join('\r\n');
    expect(await desks().importCsv(actor, csv)).toEqual({ created: 2, updated: 1 });
    const rows = await db.prisma.desk.findMany({
      where: { floorId },
      include: { phone: true },
      orderBy: { label: 'asc' },
    });
    expect(rows.map((d) => [d.label, d.bookable, d.features, d.posX, d.phone?.deviceName ?? null])).toEqual([
      ['3.01', false, ['standing'], 10, null],
      ['3.02', true, ['dual-monitor', 'standing'], 30, 'SEP222222222222'],
      ['3.03', true, [], 50, 'SEP111111111111'],
    ]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'desk.import' } })).toBe(1);
    const update = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: 'desk.update', subjectId: String(rows[0]!.id) },
    });
    expect(update.details).toMatchObject({
      before: { bookable: true, phone: 'SEP111111111111' },
      after: { bookable: false, phone: null },
      via: { csvLine: 2 },
    });
    // The audit trail names the line in the reader's language.
    const trail = `/staff/audit?subjectType=Desk&subjectId=${rows[0]!.id}`;
    expect((await staff.get(trail)).body).toContain('CSV import line 2');
    const german = new Browser(app, { 'accept-language': 'de-DE' });
    await german.signIn('fm@test.example');
    const page = (await german.get(trail)).body;
    expect(page).toContain('CSV-Import, Zeile 2');
    expect(page).not.toContain('CSV import line');
  });

  it('writes nothing when any line is bad, and names every bad line and column', async () => {
    const before = await db.prisma.desk.count();
    const auditBefore = await db.prisma.auditEvent.count();
    const csv = [
      'site,floor,label,bookable,posX,phone',
      'Berlin,3rd floor,3.10,yes,10,',
      'Berlin,3rd floor,3.11,maybe,10,',
      'Berlin,3rd floor,3.12,yes,10,SEP12',
      'Paris,1st floor,1.01,yes,10,',
      'Berlin,3rd floor,3.13,yes,10,SEP222222222222',
    ].join('\n');
    const syntax = await refusal(desks().importCsv(actor, csv));
    expect(syntax.code).toBe('INVALID_INPUT');
    expect(renderMessages('en', syntax.details.problems)).toEqual([
      'Line 3: column "bookable" must be yes or no (true/false, 1/0).',
      expect.stringMatching(/^Line 4: column "phone" "SEP12" is not a Cisco device name/),
    ]);
    const fixed = csv.replace('maybe', 'yes').replace('SEP12', '');
    const reference = await refusal(desks().importCsv(actor, fixed));
    expect(renderMessages('en', reference.details.problems)).toEqual([
      'Line 5: column "site": there is no site "Paris"; create it first or fix the name.',
      'Line 6: column "phone": Phone SEP222222222222 is already on desk 3.02 (3rd floor); take it off that desk first.',
    ]);
    expect(await db.prisma.desk.count()).toBe(before);
    expect(await db.prisma.desk.count({ where: { label: '3.10' } })).toBe(0);
    expect(await db.prisma.auditEvent.count()).toBe(auditBefore);
  });

  it('names the line of a CSV syntax problem', async () => {
    const error = await refusal(desks().importCsv(actor, 'site,floor,label\nBerlin,"3rd floor,3.20\n'));
    expect(error.message).toMatch(/^Line 2: a quoted field is never closed/);
    const count = await refusal(desks().importCsv(actor, 'site,floor,label\nBerlin,3rd floor\n'));
    expect(count.message).toMatch(/^Line 2: 2 field\(s\), but the header has 3 columns/);
  });

  it('imports people with generated passwords, and refuses an admin row from facilities', async () => {
    await createUser(db.prisma, { email: 'known@test.example', emUserId: 'known' });
    const refused = await refusal(
      people().importCsv(
        actor,
        'email,displayName,role\nnew1@test.example,New One,\nboss@test.example,Boss,ADMIN\n',
      ),
    );
    expect(renderMessages('en', refused.details.problems)).toEqual([
      'Line 3: column "role" ADMIN can only be given by an administrator.',
    ]);
    expect(await db.prisma.user.count({ where: { email: 'new1@test.example' } })).toBe(0);

    const result = await people().importCsv(
      actor,
      'email,displayName,role,emUserId,homeSite\nNew1@Test.example,New One,,new1,berlin\nknown@test.example,Known Renamed,,,\n',
    );
    expect(result).toMatchObject({ created: 1, updated: 1 });
    expect(result.passwords).toHaveLength(1);
    const created = await db.prisma.user.findUniqueOrThrow({
      where: { email: 'new1@test.example' },
      include: { homeSite: true },
    });
    expect(created).toMatchObject({ role: 'EMPLOYEE', emUserId: 'new1', displayName: 'New One' });
    expect(created.homeSite?.name).toBe('Berlin');
    expect(await verifyPassword(created.passwordHash, result.passwords[0]!.password)).toBe(true);
    expect(await db.prisma.user.findUniqueOrThrow({ where: { email: 'known@test.example' } })).toMatchObject({
      displayName: 'Known Renamed',
      emUserId: null,
    });
  });

  it('a role changed by CSV ends sessions and API tokens, as the form does', async () => {
    const person = await createUser(db.prisma, { email: 'promoted@test.example' });
    const token = await db.prisma.apiToken.create({
      data: { userId: person.id, tokenHash: 'csv-role-test' },
    });
    const admin = await createUser(db.prisma, { role: 'ADMIN', email: 'csv-admin@test.example' });
    await people().importCsv(
      { id: admin.id, label: admin.email, role: 'ADMIN' },
      'email,displayName,role\npromoted@test.example,Promoted,FACILITIES\n',
    );
    expect((await db.prisma.user.findUniqueOrThrow({ where: { id: person.id } })).role).toBe('FACILITIES');
    expect((await db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).revokedAt).toEqual(
      clock.now(),
    );
  });

  it('refuses an EM user ID that belongs to someone else, naming the line', async () => {
    const error = await refusal(
      people().importCsv(actor, 'email,displayName,emUserId\nother@test.example,Other,new1\n'),
    );
    expect(renderMessages('en', error.details.problems)).toEqual([
      'Line 2: column "emUserId": new1 belongs to new1@test.example.',
    ]);
    expect(await db.prisma.user.count({ where: { email: 'other@test.example' } })).toBe(0);
  });

  it('imports through the page from a pasted CSV and from an uploaded file', async () => {
    const csrf = await staff.csrfFrom('/staff/desks/import');
    const boundary = '----roostCsvBoundary';
    const part = (name: string, value: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: text/csv` : ''}\r\n\r\n${value}\r\n`;
    const send = (parts: string[]) =>
      app.inject({
        method: 'POST',
        url: '/staff/desks/import',
        payload: `${parts.join('')}--${boundary}--\r\n`,
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          cookie: [...staff.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          accept: 'text/html',
        },
      });
    const pasted = await send([
      part('_csrf', csrf),
      part('csv', 'site,floor,label\nBerlin,3rd floor,3.30\n'),
      part('file', '', ''),
    ]);
    expect(pasted.statusCode).toBe(303);
    const file = await send([
      part('_csrf', csrf),
      part('file', 'site,floor,label\nBerlin,3rd floor,3.31\n', 'desks.csv'),
    ]);
    expect(file.statusCode).toBe(303);
    expect(await db.prisma.desk.count({ where: { floorId, label: { in: ['3.30', '3.31'] } } })).toBe(2);
    const bad = await send([
      part('_csrf', csrf),
      part('csv', 'site,floor,label,posX\nBerlin,3rd floor,3.32,-5\n'),
    ]);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Nothing was imported');
    expect(bad.body).toMatch(/Line 2: column &quot;posX&quot; must be a number from 0 to/);
    expect(bad.body).toContain('3rd floor,3.32,-5');
  });
});
