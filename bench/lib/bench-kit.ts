// What the benchmarks share: a throw-away database and latency figures.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';

export interface Figures {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  maxMs: number;
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** p50/p95/mean/max of latency samples in ms (nearest-rank percentiles). */
export function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    samples: samples.length,
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
    maxMs: round(sorted.at(-1)!),
  };
}

/**
 * PostgreSQL when DATABASE_URL is set (a new database beside it, dropped by `drop`), else
 * PGlite in memory; migrated either way.
 */
export async function openBenchDatabase(
  poolSize = 10,
): Promise<{ db: Database; label: string; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const db = await openDatabase({ dataDir: 'memory://' });
    await applyMigrations(db.adapterFactory);
    return { db, label: 'PGlite (in memory)', drop: () => db.close() };
  }
  const throwAway = await createThrowAwayPostgres(url);
  const db = await openDatabase({ databaseUrl: throwAway.url, poolSize });
  await applyMigrations(db.adapterFactory);
  return {
    db,
    label: throwAway.label,
    drop: async () => {
      await db.close();
      await throwAway.drop();
    },
  };
}

/** A new, empty database beside `url` (on the same server), and how to drop it again. */
async function createThrowAwayPostgres(
  url: string,
): Promise<{ url: string; label: string; drop: () => Promise<void> }> {
  const name = `roost_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  return {
    url: benchUrl.toString(),
    label: `PostgreSQL ${version}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * One site in Europe/Berlin whose rules allow every measured booking (the rules still
 * run) and one floor of `desks` desks, each with a phone. Returns the floor and desk ids.
 */
export async function seedBenchFloor(
  db: Database,
  opts: { siteName: string; desks: number; maxDaysAhead: number; devicePrefix: number },
): Promise<{ siteId: number; floorId: number; deskIds: number[] }> {
  const prisma = db.prisma;
  const site = await prisma.site.create({
    data: {
      name: opts.siteName,
      timeZone: 'Europe/Berlin',
      policy: {
        create: {
          maxDaysAhead: opts.maxDaysAhead,
          maxBookingsPerDay: 1000,
          workingDays: [1, 2, 3, 4, 5, 6, 7],
          workdayEndMinute: 1380,
        },
      },
    },
  });
  const floor = await prisma.floor.create({
    data: { siteId: site.id, name: 'Floor 1', planWidth: 2000, planHeight: 1000 },
  });
  await prisma.desk.createMany({
    data: Array.from({ length: opts.desks }, (_, i) => ({
      floorId: floor.id,
      label: `D${String(i).padStart(3, '0')}`,
      features: i % 5 === 0 ? ['standing'] : [],
      posX: 40 + (i % 25) * 75,
      posY: 40 + Math.floor(i / 25) * 45,
    })),
  });
  const desks = await prisma.desk.findMany({ where: { floorId: floor.id }, orderBy: { id: 'asc' } });
  await prisma.phone.createMany({
    data: desks.map((d, i) => ({
      deskId: d.id,
      deviceName: `SEP${(opts.devicePrefix + i).toString(16).toUpperCase().padStart(12, '0')}`,
    })),
  });
  return { siteId: site.id, floorId: floor.id, deskIds: desks.map((d) => d.id) };
}

/**
 * A throw-away database that another process prepares (migrates and fills) before this one opens
 * it, so this process's memory is its own work only (em-cluster-rush measures Roost's peak RSS;
 * Prisma's createMany of thousands of rows alone costs some 400 MiB). PostgreSQL when DATABASE_URL
 * is set, else PGlite in a temporary folder (in memory cannot be shared between processes).
 */
export async function createSharedBenchDatabase(): Promise<{
  label: string;
  /** For the preparing process: the environment that points openBenchTarget at this database. */
  env: Record<string, string>;
  open: (poolSize?: number) => Promise<Database>;
  drop: () => Promise<void>;
}> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'roost-bench-db-'));
    return {
      label: 'PGlite (folder)',
      env: { BENCH_DATA_DIR: dataDir },
      open: () => openDatabase({ dataDir }),
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const throwAway = await createThrowAwayPostgres(url);
  return {
    label: throwAway.label,
    env: { BENCH_TARGET_URL: throwAway.url },
    open: (poolSize = 10) => openDatabase({ databaseUrl: throwAway.url, poolSize }),
    drop: throwAway.drop,
  };
}

/** In the preparing process: the database createSharedBenchDatabase made, migrated. */
export async function openBenchTarget(): Promise<Database> {
  const url = process.env.BENCH_TARGET_URL;
  const db = url
    ? await openDatabase({ databaseUrl: url, poolSize: 4 })
    : await openDatabase({ dataDir: process.env.BENCH_DATA_DIR! });
  await applyMigrations(db.adapterFactory);
  return db;
}
