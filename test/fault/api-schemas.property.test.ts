import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/time/clock.js';
import { apiToken, createTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';

/**
 * Fault and abuse suite: hostile JSON bodies, paths and query strings for the booking API.
 * Every answer is a 4xx with a JSON `message` (never a 5xx, never a success), and nothing
 * is written: no reservation, no token, and the booking being "extended" keeps its end.
 * Only invalid requests are generated, so any 2xx is a failure too.
 */
const START = '2026-12-02T09:00:00+01:00';
const END = '2026-12-02T17:00:00+01:00';

const clock = createManualClock('2026-12-01T08:00:00Z');

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\u0007\u001b[2J',
    '\ud800',
    '\udfff\ud800',
    'x'.repeat(3000),
    '2026-02-30T10:00:00+01:00',
    '2026-02-29T10:00:00+01:00',
    '2026-04-31T09:00:00Z',
    '2026-12-02T24:00:00Z',
    '2026-12-02T23:60:00Z',
    '2026-13-02T09:00:00Z',
    '2026-00-02T09:00:00Z',
    '2026-12-00T09:00:00Z',
    '2026-12-02T09:00:00+25:00',
    '2026-12-02T09:00:00',
    '2026-12-02',
    '0000-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2100-01-01T09:00:00Z',
    '+275760-09-13T00:00:00Z',
    '2026-12-02T09:00:00.1234567Z',
    '2026-12-02T09:00:00Z\n',
    '1e3',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '1.5',
    'null',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    "' OR 1=1 --",
    '<script>alert(1)</script>',
  ),
);

const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 1, 1.5, -0),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(pollutingKey(), tie('v'), { maxKeys: 3 }),
  ),
})).v;

function pollutingKey() {
  return fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'deskId', 'start', 'end', 'toString'),
  );
}

/** A start and an end that never make a valid booking: impossible, reversed, or years apart. */
const badRange = fc.constantFrom(
  { start: '2026-02-30T10:00:00+01:00', end: '2026-02-30T12:00:00+01:00' },
  { start: '2026-12-02T24:00:00+01:00', end: '2026-12-03T09:00:00+01:00' },
  { start: '2026-04-31T09:00:00+02:00', end: '2026-04-31T17:00:00+02:00' },
  // 31 November would roll over to a bookable 1 December if the date were not checked.
  { start: '2026-11-31T12:00:00+01:00', end: '2026-11-31T14:00:00+01:00' },
  { start: END, end: START },
  { start: START, end: START },
  { start: '2026-12-02T09:00:00+01:00', end: '2030-12-02T09:00:00+01:00' },
  { start: '1900-01-01T09:00:00Z', end: '1900-01-01T10:00:00Z' },
  { start: '2001-12-02T09:00:00Z', end: '2099-12-02T09:00:00Z' },
  { start: '9999-12-31T22:00:00Z', end: '9999-12-31T23:00:00Z' },
  { start: '2026-12-02T09:00:00-12:00', end: '2026-12-02T09:00:00+14:00' },
);

/** The ranges above that are no valid question for availability either (past ones are). */
const impossibleRange = badRange.filter((r) => !/^(1900|9999)/.test(r.start));

/** Raw request bodies that are not the JSON they claim to be, or are JSON used against us. */
const rawBody = fc.oneof(
  fc.string({ maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '"text"',
    '42',
    '{',
    '{"deskId":1,"start":"x",}',
    '{"__proto__":{"polluted":true},"deskId":1}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"deskId":1,"deskId":2}',
    '['.repeat(10_000) + ']'.repeat(10_000),
    `{"end":"${'9'.repeat(5000)}"}`,
    '\u0000\u0001\u0002',
    '{"end":"\\ud800"}',
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
);

function expectRefused(res: LightMyRequestResponse, what: string) {
  const label = `${what} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, label).toBeLessThan(500);
  const body = res.json<{ message?: unknown }>();
  expect(typeof body.message, label).toBe('string');
  expect((body.message as string).length, label).toBeGreaterThan(0);
}

describe('the booking API under hostile bodies, paths and query strings', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let token: string;
  let deskId: number;
  let floorId: number;
  let bookingId: number;
  let bookingEnd: Date;

  beforeAll(async () => {
    db = await createTestDatabase('pglite');
    app = await createTestApp(db, clock);
    const site = await createSite(db.prisma, {
      policy: {
        workdayStartMinute: 0,
        workdayEndMinute: 1440,
        workingDays: [1, 2, 3, 4, 5, 6, 7],
        maxBookingsPerDay: 50,
      },
    });
    const floor = await createFloor(db.prisma, site.id);
    floorId = floor.id;
    deskId = (await createDesk(db.prisma, floor.id)).id;
    const otherDesk = await createDesk(db.prisma, floor.id);
    const user = await createUser(db.prisma, { email: 'hostile@api.example', homeSiteId: site.id });
    token = await apiToken(app, user.email);
    const booking = await db.prisma.reservation.create({
      data: {
        deskId: otherDesk.id,
        userId: user.id,
        startsAt: new Date('2026-12-03T08:00:00Z'),
        endsAt: new Date('2026-12-03T12:00:00Z'),
      },
    });
    bookingId = booking.id;
    bookingEnd = booking.endsAt;
  });
  afterAll(async () => {
    // Nothing the hostile bodies sent reached a prototype.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await app?.close();
    await db?.destroy();
  });

  const auth = () => ({ authorization: `Bearer ${token}` });

  async function unchanged<T>(run: () => Promise<T>): Promise<T> {
    const before = await Promise.all([db.prisma.reservation.count(), db.prisma.apiToken.count()]);
    const result = await run();
    const after = await Promise.all([db.prisma.reservation.count(), db.prisma.apiToken.count()]);
    expect(after).toEqual(before);
    const booking = await db.prisma.reservation.findUniqueOrThrow({ where: { id: bookingId } });
    expect(booking.endsAt).toEqual(bookingEnd);
    expect(booking.status).toBe('BOOKED');
    return result;
  }

  it('refuses hostile JSON for POST /api/v1/reservations and books nothing', async () => {
    const body = fc.oneof(
      fc.record(
        { deskId: fc.oneof(hostileValue, fc.constant(deskId)), start: hostileValue, end: hostileValue },
        { requiredKeys: [] },
      ),
      fc
        .tuple(fc.oneof(fc.constant<unknown>(deskId), fc.constant(String(deskId))), badRange)
        .map(([d, r]) => ({ deskId: d, ...r })),
      fc
        .tuple(badRange, fc.dictionary(pollutingKey(), hostileValue, { minKeys: 1, maxKeys: 2 }))
        .map(([r, extra]) => ({ deskId, ...r, ...extra })),
      hostileValue,
    );
    await unchanged(() =>
      fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/reservations',
            headers: { ...auth(), 'content-type': 'application/json' },
            payload: JSON.stringify(payload) ?? 'null',
          });
          expectRefused(res, `POST reservations ${JSON.stringify(payload)?.slice(0, 200)}`);
        }),
        { numRuns: 200 },
      ),
    );
  });

  it('refuses raw bodies that are not JSON, too large, or polluting, under any content type', async () => {
    await unchanged(() =>
      fc.assert(
        fc.asyncProperty(
          rawBody,
          contentType,
          fc.constantFrom(
            '/api/v1/reservations',
            `/api/v1/reservations/${bookingId}/extend`,
            '/api/v1/tokens',
          ),
          async (payload, type, url) => {
            const res = await app.inject({
              method: 'POST',
              url,
              headers: { ...auth(), 'content-type': type },
              payload,
            });
            expectRefused(res, `POST ${url} (${type}) ${payload.slice(0, 100)}`);
          },
        ),
        { numRuns: 200 },
      ),
    );
  });

  it('refuses hostile ends for POST /api/v1/reservations/:id/extend and hostile ids', async () => {
    const id = fc.oneof(
      fc.constant(String(bookingId)),
      fc.constantFrom('abc', '-1', '0', '1e3', '1.5', '99999999999', '%00', '%2e%2e', '__proto__', ' 1'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const end = fc.oneof(
      hostileValue,
      fc.constantFrom(
        '2026-02-30T10:00:00+01:00',
        '2026-12-03T07:00:00Z',
        '2026-12-03T08:00:00Z',
        '2026-11-30T08:00:00Z',
        '2031-12-03T12:00:00Z',
      ),
    );
    const body = fc.oneof(
      fc.record({ end }, { requiredKeys: [] }),
      fc
        .tuple(end, fc.dictionary(pollutingKey(), hostileValue, { minKeys: 1, maxKeys: 2 }))
        .map(([e, extra]) => ({ end: e, ...extra })),
      hostileValue,
    );
    await unchanged(() =>
      fc.assert(
        fc.asyncProperty(id, body, async (rawId, payload) => {
          const res = await app.inject({
            method: 'POST',
            url: `/api/v1/reservations/${rawId}/extend`,
            headers: { ...auth(), 'content-type': 'application/json' },
            payload: JSON.stringify(payload) ?? 'null',
          });
          expectRefused(res, `extend ${rawId} ${JSON.stringify(payload)?.slice(0, 200)}`);
        }),
        { numRuns: 200 },
      ),
    );
  });

  it('refuses hostile query strings and ids for GET /api/v1/floors/:id/availability', async () => {
    const id = fc.oneof(
      fc.constant(String(floorId)),
      fc.constantFrom('abc', '-1', '0', '1e3', '99999999999', '%00', '__proto__'),
    );
    const query = fc.oneof(
      impossibleRange.map((r) => new URLSearchParams(r).toString()),
      fc
        .tuple(impossibleRange, fc.dictionary(pollutingKey(), hostileString, { minKeys: 1, maxKeys: 3 }))
        .map(([r, extra]) => new URLSearchParams({ ...r, ...extra }).toString()),
      fc
        .dictionary(fc.constantFrom('start', 'end', 'features', '__proto__'), hostileString, { maxKeys: 3 })
        .map((q) => new URLSearchParams(q).toString()),
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        `start=${encodeURIComponent(START)}&start=${encodeURIComponent(START)}&end=${encodeURIComponent(END)}`,
        `start=${encodeURIComponent(START)}&end=${encodeURIComponent(END)}&features=${'f&features='.repeat(30)}f`,
        `start=${encodeURIComponent(START)}&end=${encodeURIComponent(END)}&features=`,
        `start[]=${encodeURIComponent(START)}&end=${encodeURIComponent(END)}`,
        `start=${encodeURIComponent(START)}&end=${encodeURIComponent(END)}&__proto__[x]=1`,
        '%',
        '%E0%A4%A',
        `start=${'9'.repeat(5000)}`,
      ),
    );
    await unchanged(() =>
      fc.assert(
        fc.asyncProperty(id, query, async (rawId, q) => {
          const url = `/api/v1/floors/${rawId}/availability?${q}`;
          const res = await app.inject({ method: 'GET', url, headers: auth() });
          expectRefused(res, `GET ${url.slice(0, 200)}`);
        }),
        { numRuns: 200 },
      ),
    );
  });

  it('refuses hostile credentials for POST /api/v1/tokens and issues no token', async () => {
    const body = fc.oneof(
      fc.record({ email: hostileValue, password: hostileValue }, { requiredKeys: [] }),
      fc
        .tuple(fc.constantFrom('hostile@api.example', 'HOSTILE@api.example '), hostileString)
        .map(([email, password]) => ({ email, password })),
      fc
        .dictionary(pollutingKey(), hostileValue, { minKeys: 1, maxKeys: 3 })
        .map((extra) => ({ email: 'hostile@api.example', password: 'wrong', ...extra })),
      hostileValue,
    );
    await unchanged(() =>
      fc.assert(
        fc.asyncProperty(body, async (payload) => {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/tokens',
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(payload) ?? 'null',
          });
          expectRefused(res, `POST tokens ${JSON.stringify(payload)?.slice(0, 200)}`);
        }),
        { numRuns: 200 },
      ),
    );
  });

  it('still books a valid request afterwards (the refusals above were about the input)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/reservations',
      headers: auth(),
      payload: { deskId, start: START, end: END },
    });
    expect(res.statusCode, res.body).toBe(201);
    // The date check refuses only dates that do not exist: 29 Feb in a leap year is fine.
    const leap = await app.inject({
      method: 'GET',
      url: `/api/v1/floors/${floorId}/availability?start=${encodeURIComponent('2028-02-29T09:00:00+01:00')}&end=${encodeURIComponent('2028-02-29T10:00:00+01:00')}`,
      headers: auth(),
    });
    expect(leap.statusCode, leap.body).not.toBe(400);
  });
});
