import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulePhoneActionsMany } from '../../src/scheduler/jobs.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';

// The bulk writer of bookings' phone actions (the seed, the rush benchmarks) binds 14 parameters
// per booking; PostgreSQL takes at most 65 535 in one statement, so 5 000 bookings need more
// than one.
describe.each(dbTargets)('phone actions for many bookings at once (%s)', (target) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(target);
  });
  afterAll(async () => db?.destroy());

  it('writes a login and a logout for each of 5 000 bookings, and nothing twice when asked again', async () => {
    const site = await createSite(db.prisma);
    const floor = await createFloor(db.prisma, site.id);
    const desk = await createDesk(db.prisma, floor.id);
    const phone = desk.phone!;
    const user = await createUser(db.prisma);
    const day = Date.UTC(2027, 0, 1);
    const bookings = await db.prisma.reservation.createManyAndReturn({
      // One desk and person, an hour a day apart: no overlap.
      data: Array.from({ length: 5000 }, (_, i) => ({
        deskId: desk.id,
        userId: user.id,
        startsAt: new Date(day + i * 86_400_000),
        endsAt: new Date(day + i * 86_400_000 + 3_600_000),
      })),
      select: { id: true, deskId: true, startsAt: true, endsAt: true },
    });
    const withPhone = bookings.map((b) => ({ ...b, phoneId: phone.id }));
    await schedulePhoneActionsMany(db.prisma, withPhone);
    await schedulePhoneActionsMany(db.sql, withPhone.slice(0, 1500));
    expect(await db.prisma.phoneAction.count({ where: { kind: 'LOGIN', phoneId: phone.id } })).toBe(5000);
    expect(await db.prisma.phoneAction.count({ where: { kind: 'LOGOUT', phoneId: phone.id } })).toBe(5000);
    const last = withPhone.at(-1)!;
    expect(
      await db.prisma.phoneAction.findMany({ where: { reservationId: last.id }, orderBy: { kind: 'asc' } }),
    ).toMatchObject([
      { kind: 'LOGIN', dueAt: last.startsAt, state: 'PENDING' },
      { kind: 'LOGOUT', dueAt: last.endsAt, state: 'PENDING' },
    ]);
  });
});
