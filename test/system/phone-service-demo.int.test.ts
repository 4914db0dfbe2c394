import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import type { RunningRoost } from '../../src/roost.js';
import { startLiveRoost, waitForPhone } from './live-roost.js';
import { Phone } from '../phone-service/phone.js';

/**
 * Issue 8 acceptance with the demo data and the emulator, in real time: a desk phone's
 * service screens, fetched as the phone fetches them, let Ada book her desk now (and be
 * checked in), extend and release it, and the emulator's state follows each step.
 */
const PIN = '246813'; // six digits, as phone PINs must be (issue 18)
let roost: RunningRoost;
beforeAll(async () => {
  roost = await startLiveRoost();
}, 120_000);
afterAll(async () => roost?.close());

describe('the desk phone as a check-in point, on the demo company', () => {
  it('books now, extends and releases from the phone, and the emulator follows', async () => {
    const prisma = roost.db.prisma;
    const ada = await prisma.user.update({
      where: { email: 'ada@roost.example' },
      data: { phonePinHash: await hashPassword(PIN) },
    });
    await prisma.reservation.updateMany({
      where: { userId: ada.id, status: 'BOOKED' },
      data: { status: 'CANCELLED' },
    });
    // A desk on Ada's site that nobody holds for the next three hours.
    const now = new Date();
    const busy = await prisma.reservation.findMany({
      where: {
        status: { in: ['BOOKED', 'CHECKED_IN'] },
        startsAt: { lt: new Date(now.getTime() + 3 * 3_600_000) },
        endsAt: { gt: now },
      },
      select: { deskId: true },
    });
    const desk = await prisma.desk.findFirstOrThrow({
      where: { floor: { siteId: ada.homeSiteId! }, id: { notIn: busy.map((b) => b.deskId) } },
      include: { phone: true },
    });
    const device = desk.phone!.deviceName;
    const phone = new Phone(roost.app, device);

    const home = await phone.home();
    expect(home.title).toMatch(/: free$/);
    const until = await phone.select(home, 'Book this desk now');
    expect(until.root).toBe('CiscoIPPhoneMenu');
    const signIn = await phone.get(until.items[0]!.url);
    const booked = await phone.submit(signIn, { user: ada.emUserId!, pin: PIN });
    expect(booked.title).toMatch(/is yours$/);
    const reservation = await prisma.reservation.findFirstOrThrow({
      where: { userId: ada.id, deskId: desk.id, status: 'CHECKED_IN' },
    });
    await waitForPhone(roost, device, ada.emUserId);

    const manage = await phone.softKey(booked, 'Manage');
    const extended = await phone.select(manage, 'Extend by 30 minutes');
    expect(extended.text).toMatch(/until/);
    const after = await prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
    expect(after.endsAt.getTime() - reservation.endsAt.getTime()).toBe(30 * 60_000);

    const released = await phone.select(await phone.softKey(extended, 'Manage'), 'Release desk now');
    expect(released.text).toMatch(/released/i);
    expect((await prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe(
      'RELEASED',
    );
    await waitForPhone(roost, device, null);
    expect((await phone.home()).title).toMatch(/: free$/);
  }, 60_000);
});
