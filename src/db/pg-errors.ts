/**
 * What a database error means, decided in one place for booking/, admin/ and the HTTP error
 * handler. Both adapters (PGlite and pg) surface PostgreSQL's answer as a Prisma
 * known-request error: a Prisma code (P2002, P2010, P2039…) on the error, the SQLSTATE and
 * the constraint name in `meta.driverAdapterError.cause` (and, for raw queries, in the
 * message). We read the whole error as text, its cause chain included, so a change in how
 * Prisma wraps an error does not turn a conflict into a 500.
 */
export type PgErrorKind =
  /** Reservation_desk_no_overlap (SQLSTATE 23P01): the desk is taken for part of the range. */
  | 'overlap-desk'
  /** Reservation_user_no_overlap: the person holds another desk for part of the range. */
  | 'overlap-person'
  /** A unique index said no (23505, Prisma P2002): another request won a race past the pre-check. */
  | 'unique'
  /**
   * Worth one more try of the whole transaction: a deadlock (40P01), a serialization failure
   * (40001) or Prisma's P2034 for either. After the retry the pre-check sees the winner.
   */
  | 'retryable'
  /** The database cannot be reached right now: refused, timed out, terminated (57P01). */
  | 'db-down'
  /**
   * A text PostgreSQL cannot store: a NUL byte (22021) or a character the encoding lacks
   * (22P05). The caller's input, not our fault.
   */
  | 'unstorable-text';

/** The kind of a database error, or null when it is none of the above (or not a database error). */
export function pgErrorKind(error: unknown): PgErrorKind | null {
  if (!error || typeof error !== 'object') return null;
  const text = describe(error, 0);
  if (text.includes('Reservation_desk_no_overlap')) return 'overlap-desk';
  if (text.includes('Reservation_user_no_overlap')) return 'overlap-person';
  // 23P01 without a recognisable name: still an overlap, and the desk is the likelier one.
  if (/\b23P01\b/.test(text)) return 'overlap-desk';
  if (/\b(P2002|23505)\b/.test(text) || /Unique constraint/i.test(text)) return 'unique';
  if (/\b(22021|22P05)\b/.test(text)) return 'unstorable-text';
  if (/\b(40P01|40001|P2034)\b/.test(text) || /deadlock detected/i.test(text)) return 'retryable';
  if (
    /DatabaseNotReachable|DatabaseUnavailable|ECONNREFUSED|ETIMEDOUT|Connection terminated|\b(P1001|P1017|57P01)\b/.test(
      text,
    )
  )
    return 'db-down';
  return null;
}

/** Name, message, code and meta of an error and of its causes, as one line of text. */
function describe(error: unknown, depth: number): string {
  if (!error || typeof error !== 'object') return String(error ?? '');
  const e = error as { name?: unknown; message?: unknown; code?: unknown; meta?: unknown; cause?: unknown };
  let meta = '';
  try {
    meta = e.meta === undefined ? '' : JSON.stringify(e.meta);
  } catch {
    // meta is only a second place to look for the SQLSTATE
  }
  const own = `${String(e.name ?? '')} ${String(e.message ?? '')} ${String(e.code ?? '')} ${meta}`;
  return depth < 3 && e.cause !== undefined ? `${own} ${describe(e.cause, depth + 1)}` : own;
}
