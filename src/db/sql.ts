/**
 * Plain SQL on the database's own driver, beside Prisma, for the paths whose cost per
 * statement decides how many people one instance serves: the booking window opening
 * (bench/window-opens.ts). On PostgreSQL, Prisma's client spends about 250 µs of CPU on a
 * raw statement and 800 µs on a transaction of two, where pg itself spends 70 and 170; at
 * the moment a popular day becomes bookable that is the difference between queueing and
 * answering. Statements are still built with `Db.Prisma.sql` (parameters, never spliced
 * text), and the same SQL runs inside a Prisma transaction through `sqlOf`, so a rule
 * written here has one home whichever path calls it.
 *
 * Rows come back as the driver gives them: timestamptz as Date, int as number, json parsed,
 * arrays as arrays (pg and PGlite agree, and so does Prisma's $queryRaw). A bigint (count(*)
 * without a cast) differs between them: cast to int in the SQL.
 */
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import pg from 'pg';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';

export interface SqlClient {
  /** The rows of one statement. */
  rows<T>(query: Prisma.Sql): Promise<T[]>;
}

export interface SqlDatabase extends SqlClient {
  /** Runs `fn` in one transaction on one connection: COMMIT when it returns, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** A Prisma client or interactive transaction as a SqlClient (its statements stay in its transaction). */
export const sqlOf = (prisma: Pick<PrismaClient, '$queryRaw'>): SqlClient => ({
  rows: <T>(query: Prisma.Sql) => prisma.$queryRaw<T[]>(query),
});

/** The type of anything that can run SQL: a SqlClient, or a Prisma client or transaction. */
export type SqlRunner = SqlClient | Pick<PrismaClient, '$queryRaw'>;

export const asSql = (db: SqlRunner): SqlClient => ('rows' in db ? db : sqlOf(db));

/**
 * The pool of the plain-SQL path on PostgreSQL. Its statements are prepared once per
 * connection and planned once, generically (plan_cache_mode = force_generic_plan): planning
 * the booking path's joins took 0.6 ms of PostgreSQL's CPU per statement where running them
 * took 0.1 to 0.9, and with the default mode PostgreSQL plans these again on every call. Each
 * is looked up by its key (an id, a desk and a range), so one plan fits every call. Prisma keeps
 * its own pool with the default mode for every other query.
 */
export function plainSqlPool(config: pg.PoolConfig & { connectionString: string }): pg.Pool {
  // A startup option, so no connection runs a statement before it is set.
  const pool = new pg.Pool(withStartupOption(config, '-c plan_cache_mode=force_generic_plan'));
  // pg drops a client whose idle connection fails; without a listener the 'error' event would
  // end the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * The config with `option` added to the connection's startup options. pg lets an `options`
 * parameter in the URL win over the config's, so it goes into the URL when the URL can carry it
 * (a socket path as host cannot: then into the config).
 */
function withStartupOption(config: pg.PoolConfig & { connectionString: string }, option: string) {
  try {
    const url = new URL(config.connectionString);
    const own = url.searchParams.get('options');
    url.searchParams.set('options', own ? `${own} ${option}` : option);
    return { ...config, connectionString: url.toString() };
  } catch {
    return { ...config, options: option };
  }
}

/**
 * Names for prepared statements, one per statement text: the texts are the code's own (values are
 * parameters), so there are a few dozen. Past MAX_NAMED (dynamic lists of many lengths, say)
 * statements run unnamed, so the prepared statements a connection holds stay bounded.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 500;
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `roost_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

/** PostgreSQL through a pool made by plainSqlPool. */
export function pgSql(pool: pg.Pool): SqlDatabase {
  const on = (client: pg.Pool | pg.PoolClient): SqlClient => ({
    rows: async <T>(query: Prisma.Sql) => {
      const name = statementName(query.text);
      const values = query.values as unknown[];
      const result = await client.query(
        name ? { name, text: query.text, values } : { text: query.text, values },
      );
      return result.rows as T[];
    },
  });
  return {
    ...on(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await fn(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
  };
}

/** PGlite: one connection; its transaction() holds it until COMMIT or ROLLBACK. */
export function pgliteSql(pglite: PGlite): SqlDatabase {
  const on = (client: PGlite | PGliteTransaction): SqlClient => ({
    rows: async <T>(query: Prisma.Sql) => (await client.query<T>(query.text, query.values as unknown[])).rows,
  });
  return {
    ...on(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(on(tx))),
  };
}
