import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRoost } from '../../src/roost.js';
import { phoneUser, startLiveRoost, waitForPhone } from './live-roost.js';

/**
 * Issue 6 acceptance, end to end in real time: Roost started as `npm start` starts it
 * (emulator beside it, demo data, scheduler ticking every second); a booking made
 * through the API to start now logs the demo user into the desk's phone within 10 s,
 * and releasing it logs the phone out within 10 s. Waits poll the emulator's state.
 */
let roost: RunningRoost;
beforeAll(async () => {
  roost = await startLiveRoost();
}, 120_000);
afterAll(async () => roost?.close());

async function api(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const res = await fetch(`${roost.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('a booking made through the API drives the desk phone (npm start wiring)', () => {
  it('logs the demo user in within 10 s of a booking that starts now, and out within 10 s of releasing it', async () => {
    const { body: auth } = await api('/api/v1/tokens', {
      method: 'POST',
      body: { email: 'ada@roost.example', password: 'roost-demo' },
    });
    const token = auth.token as string;
    const ada = await roost.db.prisma.user.findUniqueOrThrow({ where: { email: 'ada@roost.example' } });
    // A desk of Ada's site that nobody holds for the next hour, and Ada free for it.
    await roost.db.prisma.reservation.updateMany({
      where: { userId: ada.id, status: 'BOOKED' },
      data: { status: 'CANCELLED' },
    });
    const start = new Date();
    const end = new Date(start.getTime() + 60 * 60_000);
    const floor = await roost.db.prisma.floor.findFirstOrThrow({ where: { siteId: ada.homeSiteId! } });
    const { body: availability } = await api(
      `/api/v1/floors/${floor.id}/availability?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`,
      { token },
    );
    const desk = (availability.desks as { id: number; available: boolean }[]).find((d) => d.available)!;
    const phone = await roost.db.prisma.phone.findUniqueOrThrow({ where: { deskId: desk.id } });
    expect(await phoneUser(roost, phone.deviceName)).toBeNull();

    const created = await api('/api/v1/reservations', {
      method: 'POST',
      token,
      body: { deskId: desk.id, start: start.toISOString(), end: end.toISOString() },
    });
    expect(created.status).toBe(201);
    await waitForPhone(roost, phone.deviceName, ada.emUserId);

    const released = await api(`/api/v1/reservations/${created.body.id as number}/release`, {
      method: 'POST',
      token,
      body: {},
    });
    expect(released.status).toBe(200);
    await waitForPhone(roost, phone.deviceName, null);
  }, 40_000);
});
