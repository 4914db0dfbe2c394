// What the benchmarks share: a throw-away database and latency figures.
import { randomBytes } from 'node:crypto';
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
  const name = `roost_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: benchUrl.toString(), poolSize });
  await applyMigrations(db.adapterFactory);
  return {
    db,
    label: `PostgreSQL ${version}`,
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
