import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/time/clock.js';
import { apiToken, createTestApp } from '../helpers/app.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

// Tuesday 1 Dec 2026, 08:00 in Berlin (UTC+1).
const NOW = '2026-12-01T07:00:00Z';

describe.each(dbTargets)('booking API (%s)', (target) => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let clock: ManualClock;
  let siteId: number;
  let floorId: number;
  let deskIds: number[];
  let ada: string;
  let bob: string;
  let crowd: { id: number; token: string }[];

  beforeAll(async () => {
    db = await createTestDatabase(target, { poolSize: 20 });
    clock = createManualClock(NOW);
    const site = await createSite(db.prisma, { timeZone: 'Europe/Berlin' });
    siteId = site.id;
    floorId = (await createFloor(db.prisma, site.id, 'Floor 1')).id;
    deskIds = [];
    for (let i = 1; i <= 6; i++)
      deskIds.push(
        (await createDesk(db.prisma, floorId, { label: `1.0${i}`, features: i === 2 ? ['standing'] : [] }))
          .id,
      );
    app = await createTestApp(db, clock);
    ada = await apiToken(app, (await createUser(db.prisma)).email);
    bob = await apiToken(app, (await createUser(db.prisma)).email);
    crowd = [];
    for (let i = 0; i < 50; i++) {
      const u = await createUser(db.prisma);
      crowd.push({ id: u.id, token: await apiToken(app, u.email) });
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });
  beforeEach(async () => {
    clock.set(NOW);
    await db.prisma.phoneAction.deleteMany();
    await db.prisma.reservation.deleteMany();
  });

  const call = (token: string | null, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const book = (
    token: string,
    deskId: number,
    start = '2026-12-02T09:00:00+01:00',
    end = '2026-12-02T17:00:00+01:00',
  ) => call(token, 'POST', '/api/v1/reservations', { deskId, start, end });

  it('needs a Bearer token', async () => {
    const res = await call(null, 'GET', '/api/v1/reservations');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'UNAUTHENTICATED' });
  });

  it('lists sites and floors', async () => {
    const sites = (await call(ada, 'GET', '/api/v1/sites')).json<{
      sites: { id: number; timeZone: string }[];
    }>();
    expect(sites.sites).toContainEqual(expect.objectContaining({ id: siteId, timeZone: 'Europe/Berlin' }));
    const floors = await call(ada, 'GET', `/api/v1/sites/${siteId}/floors`);
    expect(floors.json()).toMatchObject({ siteId, floors: [{ id: floorId, name: 'Floor 1' }] });
    expect((await call(ada, 'GET', '/api/v1/sites/999999/floors')).statusCode).toBe(404);
  });

  it('answers availability per desk, and refuses bad ranges', async () => {
    await book(bob, deskIds[0]!);
    const q = 'start=2026-12-02T09:00:00%2B01:00&end=2026-12-02T12:00:00%2B01:00';
    const res = await call(ada, 'GET', `/api/v1/floors/${floorId}/availability?${q}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ desks: { id: number; label: string; available: boolean; posX: number }[] }>();
    expect(body.desks).toHaveLength(6);
    expect(body.desks[0]).toMatchObject({
      id: deskIds[0],
      label: '1.01',
      available: false,
      bookable: true,
      features: [],
    });
    expect(body.desks[1]).toMatchObject({ label: '1.02', available: true, features: ['standing'] });
    expect(typeof body.desks[0]!.posX).toBe('number');
    const standing = await call(ada, 'GET', `/api/v1/floors/${floorId}/availability?${q}&features=standing`);
    expect(standing.json<{ desks: unknown[] }>().desks).toHaveLength(1);

    for (const bad of [
      'start=2026-12-02T09:00:00&end=2026-12-02T12:00:00', // no offset
      'start=2026-12-02T12:00:00Z&end=2026-12-02T09:00:00Z', // end before start
      'start=2026-12-01T00:00:00Z&end=2026-12-16T00:00:00Z', // 15 days
      'start=tomorrow&end=2026-12-02T09:00:00Z',
      `${q}&colour=red`,
    ]) {
      const r = await call(ada, 'GET', `/api/v1/floors/${floorId}/availability?${bad}`);
      expect([bad, r.statusCode]).toEqual([bad, 400]);
      expect(r.json<{ message: string }>().message.length).toBeGreaterThan(5);
    }
  });

  it('books: 201 with the reservation, listed under mine, with phone status', async () => {
    const res = await book(ada, deskIds[0]!);
    expect(res.statusCode).toBe(201);
    const r = res.json<{ id: number }>();
    expect(r).toMatchObject({
      status: 'BOOKED',
      deskId: deskIds[0],
      start: '2026-12-02T08:00:00.000Z',
      end: '2026-12-02T16:00:00.000Z',
      timeZone: 'Europe/Berlin',
      desk: { label: '1.01' },
      phoneStatus: 'Phone will log you in at 09:00 CET',
    });
    expect(res.headers.location).toBe(`/api/v1/reservations/${r.id}`);
    const mine = (await call(ada, 'GET', '/api/v1/reservations')).json<{ reservations: { id: number }[] }>();
    expect(mine.reservations.map((x) => x.id)).toEqual([r.id]);
    expect((await call(bob, 'GET', '/api/v1/reservations')).json()).toEqual({ reservations: [] });
  });

  it('409 names the desk and offers alternatives; 409 names the person', async () => {
    await book(bob, deskIds[0]!);
    const desk = await book(ada, deskIds[0]!);
    expect(desk.statusCode).toBe(409);
    expect(desk.json()).toMatchObject({
      error: 'BOOKING_CONFLICT',
      taken: 'desk',
      alternatives: [
        { label: '1.02' },
        { label: '1.03' },
        { label: '1.04' },
        { label: '1.05' },
        { label: '1.06' },
      ],
    });
    const person = await book(bob, deskIds[1]!, '2026-12-02T12:00:00+01:00', '2026-12-02T13:00:00+01:00');
    expect(person.statusCode).toBe(409);
    expect(person.json()).toMatchObject({
      taken: 'person',
      message: expect.stringMatching(/One desk per person/),
    });
  });

  it('422 names the broken rule and says how to comply', async () => {
    const res = await book(ada, deskIds[0]!, '2026-12-05T09:00:00+01:00', '2026-12-05T12:00:00+01:00');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({
      error: 'RULE_VIOLATION',
      rule: 'not-a-working-day',
      message: expect.stringMatching(/Monday to Friday/),
    });
    const long = await book(ada, deskIds[0]!, '2026-12-02T07:00:00+01:00', '2026-12-02T19:00:00+01:00');
    expect(long.json()).toMatchObject({ rule: 'too-long' });
  });

  it('400 for unknown fields, missing offsets, end before start, absurd ranges and oversize bodies', async () => {
    const cases: [string, unknown][] = [
      [
        'unknown field',
        { deskId: deskIds[0], start: '2026-12-02T09:00:00Z', end: '2026-12-02T10:00:00Z', userId: 1 },
      ],
      ['no offset', { deskId: deskIds[0], start: '2026-12-02T09:00:00', end: '2026-12-02T10:00:00' }],
      [
        'end before start',
        { deskId: deskIds[0], start: '2026-12-02T10:00:00Z', end: '2026-12-02T09:00:00Z' },
      ],
      ['absurd range', { deskId: deskIds[0], start: '2026-12-02T09:00:00Z', end: '2027-12-02T09:00:00Z' }],
      ['month 13', { deskId: deskIds[0], start: '2026-13-02T09:00:00Z', end: '2026-13-02T10:00:00Z' }],
      ['string desk', { deskId: 'one', start: '2026-12-02T09:00:00Z', end: '2026-12-02T10:00:00Z' }],
    ];
    for (const [name, payload] of cases) {
      const res = await call(ada, 'POST', '/api/v1/reservations', payload);
      expect([name, res.statusCode]).toEqual([name, 400]);
    }
    const huge = await call(ada, 'POST', '/api/v1/reservations', {
      deskId: 1,
      start: 'x'.repeat(10_000),
      end: 'y',
    });
    expect(huge.statusCode).toBe(413);
    expect(await db.prisma.reservation.count()).toBe(0);
  });

  it('cancel, extend, release and check-in', async () => {
    const booked = (await book(ada, deskIds[0]!)).json<{ id: number }>();
    const cancelled = await call(ada, 'POST', `/api/v1/reservations/${booked.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ id: booked.id, status: 'CANCELLED' });
    expect((await call(bob, 'POST', `/api/v1/reservations/${booked.id}/cancel`)).statusCode).toBe(404);

    const today = (
      await book(ada, deskIds[1]!, '2026-12-01T09:00:00+01:00', '2026-12-01T12:00:00+01:00')
    ).json<{ id: number }>();
    clock.set('2026-12-01T07:50:00Z');
    expect((await call(ada, 'POST', `/api/v1/reservations/${today.id}/check-in`)).json()).toMatchObject({
      status: 'CHECKED_IN',
    });
    clock.set('2026-12-01T09:00:00Z');
    const ext = await call(ada, 'POST', `/api/v1/reservations/${today.id}/extend`, {
      end: '2026-12-01T14:00:00+01:00',
    });
    expect(ext.json()).toMatchObject({ end: '2026-12-01T13:00:00.000Z' });
    const extBad = await call(ada, 'POST', `/api/v1/reservations/${today.id}/extend`, {
      end: '2026-12-01T14:00:00+01:00',
      x: 1,
    });
    expect(extBad.statusCode).toBe(400);
    const released = await call(ada, 'POST', `/api/v1/reservations/${today.id}/release`);
    expect(released.json()).toMatchObject({ status: 'RELEASED', end: '2026-12-01T09:00:00.000Z' });
  });

  it('50 concurrent requests for the same desk and time: exactly one 201, 49 × 409, one row', async () => {
    const results = await Promise.all(crowd.map((c) => book(c.token, deskIds[2]!)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json()).toMatchObject({ taken: 'desk' });
    // Refused before the lock (the winner had committed) or after it (it committed while this one
    // waited): either way the same free desks are offered, never the taken one.
    const offered = results
      .filter((x) => x.statusCode === 409)
      .map((r) => r.json<{ alternatives: { id: number }[] }>().alternatives.map((a) => a.id));
    expect(new Set(offered.map((ids) => ids.join())).size).toBe(1);
    expect(offered[0]!.length).toBeGreaterThan(0);
    expect(offered[0]).not.toContain(deskIds[2]);
    expect(await db.prisma.reservation.count({ where: { deskId: deskIds[2] } })).toBe(1);
    expect(await db.prisma.phoneAction.count()).toBe(2);
  });

  it('one person booking six desks at once: exactly one 201, the others 409 "person"', async () => {
    const results = await Promise.all(deskIds.map((id) => book(ada, id)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(5);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json()).toMatchObject({ taken: 'person' });
    expect(await db.prisma.reservation.count()).toBe(1);
  });

  it('describes every booking route in the OpenAPI document', async () => {
    const doc = (await call(null, 'GET', '/api/v1/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of [
      '/api/v1/sites',
      '/api/v1/sites/{id}/floors',
      '/api/v1/floors/{id}/availability',
      '/api/v1/reservations',
      '/api/v1/reservations/{id}/cancel',
      '/api/v1/reservations/{id}/release',
      '/api/v1/reservations/{id}/extend',
      '/api/v1/reservations/{id}/check-in',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});
