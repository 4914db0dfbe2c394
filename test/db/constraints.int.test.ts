import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';

const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);

describe.each(dbTargets)('double booking is impossible in the database (%s)', (target) => {
  let db: TestDatabase;
  let deskA: number;
  let deskB: number;
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma);
    const floor = await createFloor(db.prisma, site.id);
    deskA = (await createDesk(db.prisma, floor.id)).id;
    deskB = (await createDesk(db.prisma, floor.id)).id;
    alice = (await createUser(db.prisma)).id;
    bob = (await createUser(db.prisma)).id;
  });
  afterAll(async () => db?.destroy());

  const book = (
    deskId: number,
    userId: number,
    from: string,
    to: string,
    status: 'BOOKED' | 'CANCELLED' | 'CHECKED_IN' = 'BOOKED',
  ) => db.prisma.reservation.create({ data: { deskId, userId, startsAt: at(from), endsAt: at(to), status } });

  it('rejects an overlapping reservation of the same desk by someone else', async () => {
    await book(deskA, alice, '09:00', '12:00');
    await expect(book(deskA, bob, '11:00', '13:00')).rejects.toThrow(
      /Reservation_desk_no_overlap|exclusion|conflict/i,
    );
    expect(await db.prisma.reservation.count({ where: { deskId: deskA } })).toBe(1);
  });

  it('rejects one person holding two desks at overlapping times', async () => {
    await expect(book(deskB, alice, '08:00', '09:30')).rejects.toThrow(
      /Reservation_user_no_overlap|exclusion|conflict/i,
    );
  });

  it('accepts back-to-back bookings of the same desk and person (half-open ranges)', async () => {
    await book(deskA, bob, '12:00', '14:00');
    await book(deskB, alice, '12:00', '13:00');
    await book(deskB, alice, '08:00', '09:00');
    expect(await db.prisma.reservation.count({ where: { deskId: deskA } })).toBe(2);
  });

  it('ignores cancelled bookings: they block neither the desk nor the person', async () => {
    await book(deskA, bob, '15:00', '17:00', 'CANCELLED');
    await book(deskA, alice, '15:00', '17:00');
    const active = await db.prisma.reservation.count({
      where: { deskId: deskA, status: 'BOOKED', startsAt: at('15:00') },
    });
    expect(active).toBe(1);
  });

  it('treats a checked-in booking as holding the desk', async () => {
    await book(deskB, bob, '18:00', '19:00', 'CHECKED_IN');
    await expect(book(deskB, alice, '18:30', '20:00')).rejects.toThrow();
  });

  it('rejects a reservation that ends before it starts', async () => {
    await expect(book(deskA, bob, '21:00', '20:00')).rejects.toThrow(/Reservation_ends_after_start|check/i);
  });

  it('rejects a phone device name that is not SEP + 12 hex digits', async () => {
    await expect(db.prisma.phone.create({ data: { deviceName: 'SEP12345' } })).rejects.toThrow(
      /Phone_deviceName_format|check/i,
    );
  });
});
