import { afterEach, describe, expect, it, vi } from 'vitest';
import { cancelPhoneActions, moveLogout } from '../../src/scheduler/jobs.js';
import { dbTargets } from '../helpers/db.js';
import { actionsOf, createBench, deviceName, emUser, type Bench } from './harness.js';

// Real HTTP to the emulator and a real database; a loaded CI machine can be slow.
vi.setConfig({ testTimeout: 120_000 });

describe.each(dbTargets)('phone scheduler lifecycle (%s)', (target) => {
  let bench: Bench;
  afterEach(async () => {
    await bench?.close();
  });

  it('logs the owner in at 09:00 and out at 17:00', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:00:00Z' });
    const id = await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z'); // 09:00-17:00 Berlin
    await bench.at('2026-03-02T07:59:59Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    await bench.at('2026-03-02T08:00:00Z');
    const state = await bench.sim.state();
    const dev = state.devices.find((d) => d.name === deviceName(0))!;
    expect(dev.currentUser).toBe(emUser(0));
    expect(dev.loginAt).toBe('2026-03-02T08:00:00.000Z');
    // Cluster-side automatic logout at the end plus 5 minutes' grace.
    expect(dev.autoLogoutAt).toBe('2026-03-02T16:05:00.000Z');
    const phone = await bench.db.prisma.phone.findUniqueOrThrow({ where: { deviceName: deviceName(0) } });
    expect(phone.emUserId).toBe(emUser(0));
    await bench.at('2026-03-02T15:59:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    await bench.at('2026-03-02T16:00:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    const actions = await actionsOf(bench, id);
    expect(actions.map((a) => [a.kind, a.state])).toEqual([
      ['LOGIN', 'DONE'],
      ['LOGOUT', 'DONE'],
    ]);
    const log = await bench.sim.log();
    expect(
      log
        .filter((e) => e.operation === 'login' || e.operation === 'logout')
        .map((e) => [e.operation, e.time]),
    ).toEqual([
      ['login', '2026-03-02T08:00:00.000Z'],
      ['logout', '2026-03-02T16:00:00.000Z'],
    ]);
    const r = await bench.db.prisma.reservation.findUniqueOrThrow({ where: { id } });
    expect(r.status).toBe('COMPLETED');
  });

  it('makes no EM call for a booking cancelled before its start', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:00:00Z' });
    const id = await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.db.prisma.$transaction(async (tx) => {
      await tx.reservation.update({ where: { id }, data: { status: 'CANCELLED' } });
      await cancelPhoneActions(tx, id, bench.clock.now());
    });
    for (const t of ['2026-03-02T08:00:00Z', '2026-03-02T12:00:00Z', '2026-03-02T16:00:00Z'])
      await bench.at(t);
    expect(await bench.sim.log()).toEqual([]);
    expect((await actionsOf(bench, id)).map((a) => a.state)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('logs out at a release at 11:00 and frees the desk', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:00:00Z' });
    const id = await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T08:00:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    await bench.at('2026-03-02T10:00:00Z', { tick: false });
    const now = bench.clock.now();
    await bench.db.prisma.$transaction(async (tx) => {
      await tx.reservation.update({ where: { id }, data: { status: 'RELEASED', endsAt: now } });
      await moveLogout(tx, id, now);
    });
    await bench.scheduler.tick(now);
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    const logout = (await actionsOf(bench, id)).find((a) => a.kind === 'LOGOUT')!;
    expect(logout.state).toBe('DONE');
    expect(logout.completedAt?.toISOString()).toBe('2026-03-02T10:00:00.000Z');
    // The desk is free: someone else can book the rest of the day and gets the phone.
    const next = await bench.book(1, 0, '2026-03-02T10:30:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T10:30:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(1));
    expect((await actionsOf(bench, next))[0]!.state).toBe('DONE');
  });

  it('moves the logout when the booking is extended to 18:00 and re-arms the cluster-side logout', async () => {
    bench = await createBench({ target, n: 2, start: '2026-03-02T07:00:00Z' });
    const id = await bench.book(0, 0, '2026-03-02T08:00:00Z', '2026-03-02T16:00:00Z');
    await bench.at('2026-03-02T08:00:00Z');
    await bench.at('2026-03-02T12:00:00Z', { tick: false });
    const newEnd = new Date('2026-03-02T17:00:00Z');
    await bench.db.prisma.$transaction(async (tx) => {
      await tx.reservation.update({ where: { id }, data: { endsAt: newEnd } });
      await moveLogout(tx, id, newEnd);
    });
    await bench.scheduler.tick(bench.clock.now());
    // Step through the afternoon like node-cron would, a tick every minute.
    for (let t = Date.parse('2026-03-02T15:55:00Z'); t <= Date.parse('2026-03-02T16:30:00Z'); t += 60_000) {
      await bench.at(new Date(t).toISOString());
    }
    // The old cluster-side logout (16:05) did not throw the user out.
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    const dev = (await bench.sim.state()).devices.find((d) => d.name === deviceName(0))!;
    expect(dev.autoLogoutAt).toBe('2026-03-02T17:05:00.000Z');
    await bench.at('2026-03-02T16:59:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBe(emUser(0));
    await bench.at('2026-03-02T17:00:00Z');
    expect(await bench.sim.userOn(deviceName(0))).toBeNull();
    const actions = await actionsOf(bench, id);
    expect(actions.map((a) => [a.idempotencyKey.replace(/^r\d+/, 'r'), a.state])).toEqual([
      ['r:login', 'DONE'],
      ['r:logout', 'DONE'],
      ['r:rearm:1', 'DONE'],
    ]);
    expect(actions.find((a) => a.kind === 'LOGOUT')!.completedAt?.toISOString()).toBe(
      '2026-03-02T17:00:00.000Z',
    );
  });
});
