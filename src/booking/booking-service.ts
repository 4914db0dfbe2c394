import type { PrismaClient } from '../db/database.js';
import type { SqlDatabase } from '../db/sql.js';
import type { Clock } from '../time/clock.js';
import { createBookingCommands } from './booking-commands.js';
import { createBookingQueries } from './booking-queries.js';
import type { BookingActor, BookingChange, BookingService, Logger, Reservation } from './booking-types.js';

// The booking service is its commands (booking-commands.ts), its queries
// (booking-queries.ts) and the summary pages show (booking-summary.ts); names others
// import stay here.
export * from './booking-types.js';
export { MAX_AVAILABILITY_RANGE_MS } from './booking-queries.js';
export { phoneStatusOf } from './booking-summary.js';

export function createBookingService(deps: {
  prisma: PrismaClient;
  /** The same database in plain SQL (db/sql.ts), for the new booking's own path. */
  sql: SqlDatabase;
  clock: Clock;
  log?: Logger;
  /**
   * Told after each booking, cancellation, release, extension, check-in or move has
   * committed (never inside the transaction, so a slow listener cannot hold locks).
   * A series books day by day without it: one confirmation per day would be noise.
   */
  onChange?: (change: BookingChange) => void;
}): BookingService {
  const service: BookingService = {
    ...createBookingQueries(deps),
    ...createBookingCommands(deps),
  };
  return deps.onChange ? withChangeListener(service, deps.prisma, deps.onChange) : service;
}

function withChangeListener(
  service: BookingService,
  prisma: PrismaClient,
  onChange: (change: BookingChange) => void,
): BookingService {
  type ById = { actor: BookingActor; reservationId: number };
  const tracked =
    <I extends ById>(change: (input: I) => Promise<Reservation>) =>
    async (input: I): Promise<Reservation> => {
      const before = await prisma.reservation.findUnique({ where: { id: input.reservationId } });
      const after = await change(input);
      onChange({ before, after, actor: input.actor });
      return after;
    };
  return {
    ...service,
    book: async (input) => {
      const after = await service.book(input);
      onChange({ before: null, after, actor: input.actor });
      return after;
    },
    cancel: tracked(service.cancel),
    release: tracked(service.release),
    extend: tracked(service.extend),
    checkIn: tracked(service.checkIn),
    move: tracked(service.move),
  };
}
