import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeopleService, type StaffActor } from '../../src/admin/people-service.js';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createUser } from '../helpers/factories.js';

// A person's team on the staff pages and in the people CSV, on the tables SCIM groups fill.
describe.each(dbTargets)('teams on staff pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let staff: Browser;
  let actor: StaffActor;
  const clock = createManualClock('2026-12-01T08:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const fm = await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@test.example' });
    actor = { id: fm.id, label: fm.email, role: 'FACILITIES' };
    staff = new Browser(app);
    await staff.signIn(fm.email);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const teamsOf = async (email: string) =>
    (await db.prisma.teamMember.findMany({ where: { user: { email } }, include: { team: true } }))
      .map((m) => m.team.name)
      .sort();

  it('sets a team on the person form, keeps the directory group, and audits the change', async () => {
    const person = await createUser(db.prisma, { email: 'ada@test.example' });
    const scim = await db.prisma.team.create({ data: { name: 'All staff', externalId: 'grp-1' } });
    await db.prisma.teamMember.create({ data: { teamId: scim.id, userId: person.id } });
    const save = (team: string) =>
      staff.post(
        `/staff/people/${person.id}`,
        { displayName: 'Ada', emUserId: '', deviceProfile: '', homeSiteId: '', team },
        { csrfFrom: `/staff/people/${person.id}` },
      );
    expect((await save('Research')).statusCode).toBe(303);
    expect(await teamsOf(person.email)).toEqual(['All staff', 'Research']);
    expect((await save('Platform')).statusCode).toBe(303);
    expect(await teamsOf(person.email)).toEqual(['All staff', 'Platform']);
    const page = await staff.get(`/staff/people/${person.id}`);
    expect(page.body).toContain('value="Platform"');
    expect(page.body).toContain('Team: Platform');
    expect(page.body).toContain('Team Research → Platform');
    const list = await staff.get('/staff/people');
    expect(list.body).toMatch(/All staff, Platform|Platform, All staff/);
    expect((await save('')).statusCode).toBe(303);
    expect(await teamsOf(person.email)).toEqual(['All staff']);
  });

  it('imports the optional team column; the other columns stay as they were', async () => {
    const csv = [
      'email,displayName,team',
      'grace@test.example,Grace Hopper,Compilers',
      'linus@test.example,Linus Torvalds,',
    ].join('\n');
    expect(await createPeopleService({ prisma: db.prisma, clock }).importCsv(actor, csv)).toMatchObject({
      created: 2,
    });
    expect(await teamsOf('grace@test.example')).toEqual(['Compilers']);
    expect(await teamsOf('linus@test.example')).toEqual([]);
    // Without the column, an import leaves teams alone.
    await createPeopleService({ prisma: db.prisma, clock }).importCsv(
      actor,
      'email,displayName\ngrace@test.example,Grace M. Hopper',
    );
    expect(await teamsOf('grace@test.example')).toEqual(['Compilers']);
  });
});
