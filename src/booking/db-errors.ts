/**
 * Recognising the database's answers to a booking write. The exclusion constraints
 * (prisma/migrations/*_init) are the truth about double booking; both adapters
 * (PGlite and pg) surface a violation as a Prisma known-request error whose message
 * and `meta.driverAdapterError.cause` carry SQLSTATE 23P01 and the constraint name.
 * We look at both, so a change in how Prisma wraps the error does not turn a
 * conflict into a 500.
 */
export type OverlapKind = 'desk' | 'person';

function errorText(error: unknown): string {
  if (!error || typeof error !== 'object') return String(error);
  const e = error as { message?: unknown; code?: unknown; meta?: unknown; cause?: unknown };
  let meta: string;
  try {
    meta = JSON.stringify(e.meta ?? e.cause ?? '');
  } catch {
    meta = '';
  }
  return `${String(e.message ?? '')} ${String(e.code ?? '')} ${meta}`;
}

/** Which exclusion constraint a write broke, or null when the error is something else. */
export function overlapViolation(error: unknown): OverlapKind | null {
  const text = errorText(error);
  if (text.includes('Reservation_desk_no_overlap')) return 'desk';
  if (text.includes('Reservation_user_no_overlap')) return 'person';
  // 23P01 without a recognisable name: still an overlap, and the desk is the likelier one.
  if (/\b23P01\b/.test(text)) return 'desk';
  return null;
}

/**
 * Errors worth one more try of the whole transaction: a deadlock between two bookings
 * (40P01), a serialization failure (40001) or Prisma's P2034 for either. After the
 * retry the pre-check sees the winner and answers with a proper conflict.
 */
export function isRetryable(error: unknown): boolean {
  const text = errorText(error);
  return /\b(40P01|40001|P2034)\b/.test(text) || /deadlock detected/i.test(text);
}
