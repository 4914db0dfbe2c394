import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { pgErrorKind } from '../../src/db/pg-errors.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { rejection } from '../helpers/rejection.js';

const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);

// Each error below is made by the database itself, through Prisma and the adapter of the
// target (PGlite and pg wrap differently: the SQLSTATE sits in meta.driverAdapterError.cause,
// and only raw queries repeat it in the message).
describe.each(dbTargets)('pgErrorKind on real database errors (%s)', (target) => {
  let db: TestDatabase;
  let siteName: string;
  let siteId: number;
  let deskA: number;
  let deskB: number;
  let alice: number;
  let bob: number;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma);
    siteName = site.name;
    siteId = site.id;
    const floor = await createFloor(db.prisma, site.id);
    deskA = (await createDesk(db.prisma, floor.id)).id;
    deskB = (await createDesk(db.prisma, floor.id)).id;
    alice = (await createUser(db.prisma)).id;
    bob = (await createUser(db.prisma)).id;
    await db.prisma.reservation.create({
      data: { deskId: deskA, userId: alice, startsAt: at('09:00'), endsAt: at('12:00') },
    });
  });
  afterAll(async () => db?.destroy());

  const book = (deskId: number, userId: number, from: string, to: string) =>
    db.prisma.reservation.create({ data: { deskId, userId, startsAt: at(from), endsAt: at(to) } });
  const raise = (sqlstate: string, message: string) =>
    db.prisma.$transaction((tx) =>
      tx.$executeRawUnsafe(
        `DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '${sqlstate}', MESSAGE = '${message}'; END $$`,
      ),
    );

  it('a desk taken for part of the range is overlap-desk', async () => {
    expect(pgErrorKind(await rejection(book(deskA, bob, '10:00', '11:00')))).toBe('overlap-desk');
  });

  it('a person booked elsewhere is overlap-person', async () => {
    expect(pgErrorKind(await rejection(book(deskB, alice, '11:00', '13:00')))).toBe('overlap-person');
  });

  it('a unique index saying no is unique', async () => {
    const error = await rejection(
      db.prisma.site.create({ data: { name: siteName, timeZone: 'Europe/Berlin' } }),
    );
    expect(pgErrorKind(error)).toBe('unique');
  });

  it('a NUL byte in a text is unstorable-text', async () => {
    const error = await rejection(
      db.prisma.site.update({ where: { id: siteId }, data: { name: 'a\u0000b' } }),
    );
    expect(pgErrorKind(error)).toBe('unstorable-text');
  });

  it('a deadlock and a serialization failure are retryable', async () => {
    expect(pgErrorKind(await rejection(raise('40P01', 'deadlock detected')))).toBe('retryable');
    expect(pgErrorKind(await rejection(raise('40001', 'could not serialize access')))).toBe('retryable');
  });

  it('an error of some other kind is null', async () => {
    expect(pgErrorKind(await rejection(raise('P0001', 'something else')))).toBeNull();
    expect(pgErrorKind(await rejection(book(deskB, bob, '14:00', '13:00')))).toBeNull();
  });
});

// A served PostgreSQL only: PGlite runs in-process and has no connection to lose.
if (dbTargets.includes('postgres')) {
  describe('pgErrorKind on a lost connection (postgres)', () => {
    it('a connection the server terminates (57P01) is db-down', async () => {
      const own = await createTestDatabase('postgres', { poolSize: 1 });
      const admin = new pg.Client({ connectionString: own.url });
      try {
        await own.prisma.site.count();
        await admin.connect();
        const sleeping = rejection(own.prisma.$queryRawUnsafe('SELECT pg_sleep(5)'));
        await new Promise((resolve) => setTimeout(resolve, 500));
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        expect(pgErrorKind(await sleeping)).toBe('db-down');
      } finally {
        await admin.end();
        await own.destroy();
      }
    });
  });
}

describe('pgErrorKind outside a query', () => {
  it('a PostgreSQL that refuses connections is db-down', async () => {
    const error = await rejection(openDatabase({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none' }));
    expect(pgErrorKind(error)).toBe('db-down');
  });

  it('what is not a database error is null', () => {
    expect(pgErrorKind(new Error('boom'))).toBeNull();
    expect(pgErrorKind(undefined)).toBeNull();
    expect(pgErrorKind('23P01')).toBeNull();
  });
});
