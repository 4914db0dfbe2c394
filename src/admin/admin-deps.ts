import type { Db, PrismaClient } from '../db/database.js';
import { pgErrorKind } from '../db/pg-errors.js';
import { notFound, type Findable } from '../errors.js';
import { MINUTE_MS, SECOND_MS, type Clock } from '../time/clock.js';

/** What every admin service needs; a test builds one with a database and a manual clock. */
export interface AdminDeps {
  prisma: PrismaClient;
  clock: Clock;
}

export type Tx = Db.Prisma.TransactionClient;

/** Imports can touch thousands of rows: allow more than Prisma's 5 s default. */
export const TX_OPTIONS = { timeout: MINUTE_MS, maxWait: 10 * SECOND_MS } as const;

/** A unique index said no (another request won a race past our friendly pre-check). */
export const isUniqueViolation = (error: unknown): boolean => pgErrorKind(error) === 'unique';

export function requireFound<T>(value: T | null | undefined, what: Findable): T {
  if (value === null || value === undefined) throw notFound(what);
  return value;
}

/** Parses a route id; a malformed id is simply not found. */
export function parseId(raw: unknown, what: Findable): number {
  const text = String(raw ?? '');
  if (!/^\d{1,9}$/.test(text)) throw notFound(what);
  return Number(text);
}
