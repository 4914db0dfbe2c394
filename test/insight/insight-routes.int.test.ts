import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { parseCsv } from './parse-csv.js';

describe.each(dbTargets)('insight pages (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  const clock = createManualClock('2026-12-10T12:00:00Z');
  let staff: Browser;
  let siteId: number;
  let floorId: number;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const site = await createSite(db.prisma, { name: 'Zürich <HQ>', timeZone: 'Europe/Zurich' });
    siteId = site.id;
    floorId = (await createFloor(db.prisma, site.id, 'Ground')).id;
    const desk = await createDesk(db.prisma, floorId, { label: 'G1' });
    const user = await createUser(db.prisma, { role: 'FACILITIES' });
    await createUser(db.prisma, { email: 'emp@insight.example' });
    await db.prisma.reservation.create({
      data: {
        deskId: desk.id,
        userId: user.id,
        startsAt: new Date('2026-12-07T08:00:00Z'),
        endsAt: new Date('2026-12-07T16:00:00Z'),
        status: 'COMPLETED',
      },
    });
    staff = new Browser(app);
    await staff.signIn(user.email);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('is for facilities staff only', async () => {
    const employee = new Browser(app);
    await employee.signIn('emp@insight.example');
    expect((await employee.get('/staff/insight')).statusCode).toBe(403);
    expect((await employee.get('/staff/insight.csv')).statusCode).toBe(403);
    const anonymous = await new Browser(app).get('/staff/insight');
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe('/signin?next=%2Fstaff%2Finsight');
  });

  it('defaults to the first site and four weeks either side of today, escaping names', async () => {
    const res = await staff.get('/staff/insight');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Zürich &lt;HQ&gt;, all floors');
    expect(res.body).toContain('value="2026-11-12"');
    expect(res.body).toContain('value="2027-01-07"');
    expect(res.body.match(/<svg [^>]*role="img"/g)).toHaveLength(2);
    expect(res.body).toContain('<th scope="row">2026-12-07</th>');
    expect(res.body).toContain(
      `href="/staff/insight.csv?siteId=${siteId}&amp;from=2026-11-12&amp;to=2027-01-07"`,
    );
  });

  it('exports the same cells as CSV, as an attachment', async () => {
    const res = await staff.get(
      `/staff/insight.csv?siteId=${siteId}&floorId=${floorId}&from=2026-12-07&to=2026-12-08`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="roost-occupancy-zurich-hq-ground-2026-12-07-to-2026-12-08.csv"',
    );
    const rows = parseCsv(res.body);
    expect(rows).toContainEqual(['bookings-per-day', '2026-12-07', 'Bookings', '1']);
    expect(rows).toContainEqual(['most-used-desks', 'G1', 'Booked hours', '8.0']);
  });

  it('shows the form again with the reason when the range is wrong', async () => {
    const res = await staff.get(`/staff/insight?siteId=${siteId}&from=2026-12-09&to=2026-12-01`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('The start date 2026-12-09 is after the end date 2026-12-01; swap them.');
    expect(res.body).toMatch(/id="insight-from"[^>]*value="2026-12-09"[^>]*aria-invalid="true"/);
    const csv = await staff.get(`/staff/insight.csv?siteId=${siteId}&from=2026-01-01&to=2026-12-01`);
    expect(csv.statusCode).toBe(400);
    expect(csv.body).toContain('choose at most 92 days');
  });

  it('says a site does not exist', async () => {
    expect((await staff.get('/staff/insight?siteId=999999')).statusCode).toBe(404);
  });
});
