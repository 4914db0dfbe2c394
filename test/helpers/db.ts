import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { openPGlite } from '../../src/db/pglite.js';
import { pgliteSql } from '../../src/db/sql.js';

/**
 * Database tests run on PGlite always, and also on a served PostgreSQL when
 * TEST_DATABASE_URL is set. Each call gets its own database (a fresh in-memory PGlite,
 * or a new PostgreSQL database dropped afterwards), so test files never interfere.
 */
export type DbTarget = 'pglite' | 'postgres';

export const dbTargets: DbTarget[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  target: DbTarget;
  /** The URL of this test's own PostgreSQL database (postgres target only). */
  url?: string;
  destroy(): Promise<void>;
}

let pgliteTemplate: Promise<PGlite> | undefined;

/**
 * A fresh in-memory PGlite with every migration applied: a clone of one template per
 * test worker, so the schema engine runs once per worker instead of once per test file.
 */
async function clonedPGlite(): Promise<TestDatabase> {
  pgliteTemplate ??= (async () => {
    const template = await openPGlite('memory://');
    await applyMigrations(new PrismaPGlite(template));
    return template;
  })();
  const pglite = (await (await pgliteTemplate).clone()) as PGlite;
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  const close = async () => {
    await prisma.$disconnect();
    await pglite.close();
  };
  return {
    prisma,
    sql: pgliteSql(pglite),
    adapterFactory,
    kind: 'pglite',
    describe: 'memory:// (clone of a migrated template)',
    target: 'pglite',
    close,
    destroy: close,
  };
}

export async function createTestDatabase(
  target: DbTarget,
  options: { poolSize?: number } = {},
): Promise<TestDatabase> {
  if (target === 'pglite') return clonedPGlite();
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = `roost_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), poolSize: options.poolSize ?? 10 });
  await applyMigrations(db.adapterFactory);
  return {
    ...db,
    target,
    url: url.toString(),
    destroy: async () => {
      await db.close();
      const drop = new pg.Client({ connectionString: adminUrl });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await drop.end();
    },
  };
}
