/**
 * Domain errors: a stable code and a message a person can act on. HTTP statuses are
 * decided once, in web/errors.ts; nothing outside web/ knows about them.
 */
export type RoostErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'BOOKING_CONFLICT'
  /** The thing still holds others (a site its floors, a floor its desks): remove those first. */
  | 'IN_USE'
  | 'RULE_VIOLATION'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

export class RoostError extends Error {
  constructor(
    readonly code: RoostErrorCode,
    message: string,
    /** Extra facts for API clients (e.g. which rule, alternative desks). Never secrets. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RoostError';
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new RoostError('INVALID_INPUT', message, details);
export const notFound = (what: string) => new RoostError('NOT_FOUND', `${what} was not found.`);
export const inUse = (message: string) => new RoostError('IN_USE', message);
export const forbidden = (message = 'You do not have access to this.') =>
  new RoostError('FORBIDDEN', message);
