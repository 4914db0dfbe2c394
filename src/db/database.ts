import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { listMigrationNames } from './migrations.js';
import { pgSql, pgliteSql, plainSqlPool, type SqlDatabase } from './sql.js';

export type { PrismaClient } from '../generated/prisma/client.js';
export * as Db from '../generated/prisma/client.js';

export interface Database {
  prisma: PrismaClient;
  /** The same database through its own driver, for the hot paths (see sql.ts). */
  sql: SqlDatabase;
  /** The same connection as a driver adapter factory, for the migration engine. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Where the data is, safe to log (no credentials). */
  describe: string;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** A database URL with its password removed, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export interface OpenDatabaseOptions {
  databaseUrl?: string | undefined;
  /** PGlite's folder (`<dataDir>/pglite`), or `memory://` for a throw-away database. */
  dataDir?: string;
  /**
   * Pool size for a served PostgreSQL, for each of the two pools: Prisma's and the plain-SQL
   * path's (sql.ts), so a Roost opens up to twice this many connections.
   */
  poolSize?: number;
}

/** Opens the configured database: PostgreSQL through @prisma/adapter-pg, else PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const poolConfig = {
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    };
    const adapterFactory = new PrismaPg(poolConfig);
    // The plain-SQL path has connections of its own: they plan each statement once (sql.ts).
    const pool = plainSqlPool(poolConfig);
    const describe = redactUrl(options.databaseUrl);
    // A plain pg connection first: its errors (ECONNREFUSED, bad password, no such
    // database) say what to fix, where Prisma's wrap them in a generic code.
    const probe = new pg.Client({ connectionString: options.databaseUrl, connectionTimeoutMillis: 5_000 });
    try {
      await probe.connect();
      await probe.end();
    } catch (error) {
      await probe.end().catch(() => {});
      await pool.end();
      throw new DatabaseUnavailableError(
        `cannot reach the database at ${describe} (${errorSummary(error)}); check DATABASE_URL and that PostgreSQL is running`,
        { cause: error },
      );
    }
    return opened({ adapterFactory, sql: pgSql(pool), kind: 'postgres', describe }, () => pool.end());
  }
  const folder = options.dataDir?.startsWith('memory://')
    ? options.dataDir
    : path.join(options.dataDir ?? './data', 'pglite');
  // Loaded only here: PGlite and its adapter add some 45 MiB to the process, which a Roost on
  // PostgreSQL never needs (the em-cluster-rush benchmark measures Roost's RSS).
  const [{ openPGlite }, { PrismaPGlite }] = await Promise.all([
    import('./pglite.js'),
    import('pglite-prisma-adapter'),
  ]);
  let pglite: PGlite;
  try {
    pglite = await openPGlite(folder);
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot open the embedded database in ${folder} (${errorSummary(error)}); is another Roost using that ROOST_DATA_DIR?`,
      { cause: error },
    );
  }
  return opened(
    { adapterFactory: new PrismaPGlite(pglite), sql: pgliteSql(pglite), kind: 'pglite', describe: folder },
    () => pglite.close(),
  );
}

/** A Database over its adapter; closing it disconnects Prisma, then the driver under both paths. */
function opened(parts: Omit<Database, 'prisma' | 'close'>, closeDriver: () => Promise<void>): Database {
  const prisma = new PrismaClient({ adapter: parts.adapterFactory });
  return {
    ...parts,
    prisma,
    close: async () => {
      await prisma.$disconnect();
      await closeDriver();
    },
  };
}

function errorSummary(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? e?.code;
  const message = (e?.cause?.message ?? e?.message ?? String(error)).split('\n')[0];
  return code && !message?.includes(code) ? `${code}: ${message}` : (message ?? 'unknown error');
}

/** Readiness: the database answers and every migration on disk is recorded as applied. */
export async function checkReady(db: Database): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    const pending = (await listMigrationNames()).filter((name) => !applied.has(name));
    if (pending.length > 0) return { ok: false, reason: `migrations not applied: ${pending.join(', ')}` };
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `database unavailable: ${errorSummary(error)}` };
  }
}
