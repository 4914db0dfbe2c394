import { auditTrail, type Actor, type AuditTrail } from '../audit/audit-log.js';
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

/** What one staff change does inside its transaction, writing its audit entries through `audit`. */
export type ChangeWork<T> = (tx: Tx, audit: AuditTrail) => Promise<T>;

/**
 * Runs one staff change in a transaction, with the audit trail that writes its entries in that
 * transaction at the instant the change began. With `onDuplicate`, a unique index that says no
 * (the name is taken, or another request won a race past a pre-check) becomes that refusal.
 */
export function changeRunner({ prisma, clock }: AdminDeps) {
  function change<T>(actor: Actor, work: ChangeWork<T>): Promise<T>;
  function change<T>(actor: Actor, options: { onDuplicate: () => Error }, work: ChangeWork<T>): Promise<T>;
  async function change<T>(
    actor: Actor,
    ...args: [ChangeWork<T>] | [{ onDuplicate: () => Error }, ChangeWork<T>]
  ): Promise<T> {
    const [options, work] = args.length === 1 ? [null, args[0]] : args;
    try {
      return await prisma.$transaction((tx) => work(tx, auditTrail(tx, actor, clock.now())), TX_OPTIONS);
    } catch (error) {
      if (options && isUniqueViolation(error)) throw options.onDuplicate();
      throw error;
    }
  }
  return change;
}
