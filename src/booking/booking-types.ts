import type { Actor } from '../audit/audit-log.js';
import type { Db, PrismaClient } from '../db/database.js';
import type { Message } from '../errors.js';
import type { Log } from '../log.js';
import type { DeskAvailability, FreeDesk } from './availability.js';
import type { Policy } from './booking-rules.js';

export type Role = 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';

/**
 * Who is acting, for the audit trail and for authorization. Authorization lives here,
 * in the service, and nowhere else: an employee acts only on their own bookings,
 * facilities and admins on anyone's.
 */
export type BookingActor = Actor & { role: Role };

export const actorFor = (user: { id: number; email: string; role: Role }): BookingActor => ({
  id: user.id,
  label: user.email,
  role: user.role,
});

export const isStaffActor = (actor: BookingActor) => actor.role === 'FACILITIES' || actor.role === 'ADMIN';

export type Reservation = Db.Reservation;

export type Logger = Pick<Log, 'info' | 'warn'>;

export type Alternative = FreeDesk;

export interface PhoneStatus {
  /** waiting: the login is due but the phone system has not answered yet (an outage). */
  kind: 'pending' | 'running' | 'waiting' | 'logged-in' | 'failed' | 'logged-out';
  /** When the phone will log in (pending), so pages can say it in the reader's language. */
  at?: Date;
  /** Why the login failed (failed), as the EM service or the scheduler recorded it. */
  reason?: string | null;
  /** waiting: since when (the login's due time), and whether that is a lasting fault by now. */
  since?: Date;
  lasting?: boolean;
}

export interface BookingSummary {
  id: number;
  status: Reservation['status'];
  startsAt: Date;
  endsAt: Date;
  checkedInAt: Date | null;
  userId: number;
  desk: { id: number; label: string; features: string[] };
  floor: { id: number; name: string };
  site: { id: number; name: string; timeZone: string };
  phone: { deviceName: string } | null;
  phoneStatus: PhoneStatus | null;
  /** Who booked it, when that was someone else ("booked by Frances on your behalf"). */
  bookedBy: string | null;
  /** Who changed it last, when that was someone else. */
  changedBy: string | null;
  isCurrent: boolean;
  canCancel: boolean;
  canRelease: boolean;
  canExtend: boolean;
  canCheckIn: boolean;
  checkInOpensAt: Date;
  checkInClosesAt: Date;
  /** Latest end an extension may ask for under the policy (working hours, length). */
  latestEndAt: Date;
  /** What the extend field offers first (time-grid.ts); null when it cannot be extended. */
  extendDefaultAt: Date | null;
}

export interface AvailabilityResult {
  floor: {
    id: number;
    name: string;
    level: number;
    planSvg: string | null;
    planWidth: number;
    planHeight: number;
  };
  site: { id: number; name: string; timeZone: string };
  policy: Policy;
  desks: DeskAvailability[];
}

export interface SeriesResult {
  booked: { date: string; reservation: Reservation }[];
  refused: { date: string; reason: Message; rule?: string }[];
}

export interface BookingService {
  sites(): Promise<
    {
      id: number;
      name: string;
      timeZone: string;
      address: string;
      policy: Policy;
      floors: { id: number; name: string; level: number }[];
    }[]
  >;
  availability(input: {
    floorId: number;
    startsAt: Date;
    endsAt: Date;
    features?: string[];
    forUserId?: number;
  }): Promise<AvailabilityResult>;
  book(input: {
    actor: BookingActor;
    userId: number;
    deskId: number;
    startsAt: Date;
    endsAt: Date;
    /** Staff only; waives STAFF_WAIVABLE_RULES (see booking-rules.ts). */
    enforcePolicy?: boolean;
  }): Promise<Reservation>;
  bookSeries(input: {
    actor: BookingActor;
    userId: number;
    deskId: number;
    dates: string[];
    startTime: string;
    endTime: string;
  }): Promise<SeriesResult>;
  cancel(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  release(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  extend(input: { actor: BookingActor; reservationId: number; endsAt: Date }): Promise<Reservation>;
  checkIn(input: { actor: BookingActor; reservationId: number }): Promise<Reservation>;
  move(input: { actor: BookingActor; reservationId: number; deskId: number }): Promise<Reservation>;
  listForUser(userId: number, opts?: { from?: Date }): Promise<BookingSummary[]>;
  /** One booking with its context, for an actor allowed to see it. */
  get(input: { actor: BookingActor; reservationId: number }): Promise<BookingSummary>;
  /** A desk's floor and its site's zone (a form's wall times are read in it); null if no such desk. */
  deskPlace(deskId: number): Promise<{ id: number; floorId: number; zone: string } | null>;
}

export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** A committed change to one booking, for listeners such as email notices. */
export interface BookingChange {
  /** The booking before the change; null when it was just created. */
  before: Reservation | null;
  after: Reservation;
  actor: BookingActor;
}
