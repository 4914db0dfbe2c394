import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Db } from '../../src/db/database.js';
import { pgErrorKind } from '../../src/db/pg-errors.js';
import { sqlOf } from '../../src/db/sql.js';
import { createDesk, createFloor, createSite, createUser } from '../helpers/factories.js';
import { createTestDatabase, dbTargets, type TestDatabase } from '../helpers/db.js';
import { rejection } from '../helpers/rejection.js';

const { sql } = Db.Prisma;
const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00Z`);

// The plain-SQL path (src/db/sql.ts) must give what Prisma's $queryRaw gives, on both drivers,
// and keep a transaction on one connection.
describe.each(dbTargets)('plain SQL beside Prisma (%s)', (target) => {
  let db: TestDatabase;
  let deskId: number;
  let userId: number;

  beforeAll(async () => {
    db = await createTestDatabase(target);
    const site = await createSite(db.prisma);
    const floor = await createFloor(db.prisma, site.id);
    deskId = (await createDesk(db.prisma, floor.id)).id;
    userId = (await createUser(db.prisma)).id;
  });
  afterAll(async () => db?.destroy());

  const insert = (from: string, to: string) => sql`
    INSERT INTO "Reservation" ("deskId", "userId", "startsAt", "endsAt", "updatedAt")
    VALUES (${deskId}, ${userId}, ${at(from)}::timestamptz, ${at(to)}::timestamptz, now())
    RETURNING "id", "startsAt", "status"::text AS "status"`;
  const count = async () =>
    (
      await db.sql.rows<{ n: number }>(
        sql`SELECT count(*)::int AS "n" FROM "Reservation" WHERE "deskId" = ${deskId}`,
      )
    )[0]!.n;

  it('returns rows typed as Prisma $queryRaw types them', async () => {
    const query = sql`SELECT ${7}::int AS "n", ${at('09:30')}::timestamptz AS "t",
      json_build_object('a', ${'x'}::text) AS "j", ARRAY['quiet', 'window']::text[] AS "list", ${true}::boolean AS "b"`;
    const plain = await db.sql.rows(query);
    expect(plain).toEqual([{ n: 7, t: at('09:30'), j: { a: 'x' }, list: ['quiet', 'window'], b: true }]);
    expect(await sqlOf(db.prisma).rows(query)).toEqual(plain);
  });

  it('commits a transaction that returns, and gives back what it returned', async () => {
    const before = await count();
    const [row] = await db.sql.transaction((tx) =>
      tx.rows<{ id: number; startsAt: Date }>(insert('07:00', '08:00')),
    );
    expect(row!.startsAt).toEqual(at('07:00'));
    expect(await count()).toBe(before + 1);
  });

  it('rolls back everything a throwing transaction wrote, and throws its error', async () => {
    const before = await count();
    const error = await rejection(
      db.sql.transaction(async (tx) => {
        await tx.rows(insert('13:00', '14:00'));
        await tx.rows(insert('13:30', '15:00')); // the same desk, overlapping: 23P01
      }),
    );
    expect(pgErrorKind(error)).toBe('overlap-desk');
    expect(await count()).toBe(before);
  });

  it('keeps a transaction on one connection: what it wrote is unseen outside until COMMIT', async () => {
    const before = await count();
    let seenInside = -1;
    let seenOutside = -1;
    await db.sql.transaction(async (tx) => {
      await tx.rows(insert('16:00', '17:00'));
      seenInside = (
        await tx.rows<{ n: number }>(
          sql`SELECT count(*)::int AS "n" FROM "Reservation" WHERE "deskId" = ${deskId}`,
        )
      )[0]!.n;
      // PGlite has one connection: a statement outside waits for the transaction to end.
      if (target === 'postgres') seenOutside = await count();
    });
    expect(seenInside).toBe(before + 1);
    if (target === 'postgres') expect(seenOutside).toBe(before);
    expect(await count()).toBe(before + 1);
  });

  it('runs inside a Prisma transaction through sqlOf, and rolls back with it', async () => {
    const before = await count();
    await rejection(
      db.prisma.$transaction(async (tx) => {
        await sqlOf(tx).rows(insert('18:00', '19:00'));
        throw new Error('changed my mind');
      }),
    );
    expect(await count()).toBe(before);
  });

  // PostgreSQL only: PGlite runs in this process, with no plan cache worth a setting.
  if (target === 'postgres')
    it("plans each statement once on its own connections, and leaves Prisma's planning alone", async () => {
      const mode = Db.Prisma.sql`SELECT current_setting('plan_cache_mode') AS "mode"`;
      expect(await db.sql.rows(mode)).toEqual([{ mode: 'force_generic_plan' }]);
      expect(await sqlOf(db.prisma).rows(mode)).toEqual([{ mode: 'auto' }]);
      // The same text twice on one connection: prepared once, then run from its plan.
      const prepared = await db.sql.transaction(async (tx) => {
        const one = sql`SELECT count(*)::int AS "n" FROM "Reservation" WHERE "deskId" = ${deskId}`;
        await tx.rows(one);
        await tx.rows(one);
        return tx.rows<{ statement: string; generic: number }>(
          sql`SELECT "statement", "generic_plans"::int AS "generic" FROM pg_prepared_statements WHERE "statement" LIKE '%FROM "Reservation" WHERE "deskId" = $1'`,
        );
      });
      expect(prepared).toHaveLength(1);
      expect(prepared[0]!.generic).toBeGreaterThanOrEqual(2);
    });
});
