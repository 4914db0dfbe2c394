import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { Browser, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

describe.each(dbTargets)('floor day for staff (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let staff: Browser;
  let floorId: number;
  let deskA: number;
  let deskB: number;
  let staffId: number;
  const clock = createManualClock('2026-12-01T08:00:00Z');
  const day = '2026-12-02';

  beforeAll(async () => {
    db = await createTestDatabase(target);
    app = await createTestApp(db, clock);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    floorId = (await createFloor(db.prisma, site.id)).id;
    deskA = (await createDesk(db.prisma, floorId, { label: 'A1' })).id;
    deskB = (await createDesk(db.prisma, floorId, { label: 'B2' })).id;
    await createUser(db.prisma, { email: 'ada@test.example' });
    await createUser(db.prisma, { email: 'bob@test.example' });
    staffId = (await createUser(db.prisma, { role: 'FACILITIES', email: 'fm@test.example' })).id;
    staff = new Browser(app);
    await staff.signIn('fm@test.example');
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  const dayUrl = () => `/staff/floors/${floorId}/day?date=${day}`;
  const book = (email: string, deskId: number, start: string, end: string) =>
    staff.post(
      `/staff/floors/${floorId}/day/book`,
      { email, deskId: String(deskId), date: day, start, end },
      { csrfFrom: dayUrl() },
    );

  it('books for someone in the site zone; the booking names the staff member as creator', async () => {
    const res = await book('ada@test.example', deskA, '09:00', '12:00');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(dayUrl());
    const r = await db.prisma.reservation.findFirstOrThrow({
      where: { deskId: deskA },
      include: { user: true },
    });
    expect(r.user.email).toBe('ada@test.example');
    // 09:00 in Berlin in December is 08:00 UTC.
    expect(r.startsAt.toISOString()).toBe('2026-12-02T08:00:00.000Z');
    expect(r.endsAt.toISOString()).toBe('2026-12-02T11:00:00.000Z');
    expect(r.createdById).toBe(staffId);
    const page = await staff.get(dayUrl());
    expect(page.body).toMatch(/<th scope="col" class="hour">09:00<\/th>/);
    expect(page.body).toContain('09:00–12:00 CET');
    expect(page.body).toContain('booked by');
    expect(page.body).toMatch(/Times in Europe\/Berlin/);
  });

  it('shows a conflict with the booking service message and status', async () => {
    const res = await book('bob@test.example', deskA, '11:00', '13:00');
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('id="error-summary"');
    expect(res.body).toContain('value="bob@test.example"');
    expect(await db.prisma.reservation.count({ where: { user: { email: 'bob@test.example' } } })).toBe(0);
  });

  it('refuses an unknown person and a time that is not a time, naming the fields', async () => {
    const res = await book('nobody@test.example', deskA, '25:00', '12:00');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('nobody@test.example is not an active account.');
    expect(res.body).toMatch(/aria-describedby="f-start-error"/);
  });

  it("moves and cancels a booking on the person's behalf", async () => {
    const r = await db.prisma.reservation.findFirstOrThrow({ where: { deskId: deskA } });
    const moved = await staff.post(
      `/staff/reservations/${r.id}/move`,
      { deskId: String(deskB) },
      { csrfFrom: dayUrl() },
    );
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe(dayUrl());
    expect(await db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      deskId: deskB,
      updatedById: staffId,
    });
    const cancelled = await staff.post(`/staff/reservations/${r.id}/cancel`, {}, { csrfFrom: dayUrl() });
    expect(cancelled.statusCode).toBe(303);
    expect(await db.prisma.reservation.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({
      status: 'CANCELLED',
      updatedById: staffId,
    });
    const page = await staff.get(dayUrl());
    expect(page.body).toContain('cancelled. The person sees that you did it');
    expect(page.body).toContain('No bookings on this day.');
  });

  // Issue 18's probe: these answered 500. A date-shaped text that is no real day is the
  // person's mistake: 400 with a message, and nothing booked.
  it.each(['2026-02-30', '0000-01-01', '9999-12-31'])(
    'answers 400 with a message for ?date=%s',
    async (date) => {
      const page = await staff.get(`/staff/floors/${floorId}/day?date=${date}`);
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain(`&quot;${date}&quot; is not a date Roost can show`);
      const before = await db.prisma.reservation.count();
      const res = await staff.post(
        `/staff/floors/${floorId}/day/book`,
        { email: 'bob@test.example', deskId: String(deskA), date, start: '09:00', end: '10:00' },
        { csrfFrom: dayUrl() },
      );
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('id="error-summary"');
      expect(res.body).toContain('is not a');
      expect(await db.prisma.reservation.count()).toBe(before);
    },
  );
});
