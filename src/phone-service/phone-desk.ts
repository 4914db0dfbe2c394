import { actorFor, type BookingService } from '../booking/booking-service.js';
import {
  DEFAULT_POLICY,
  checkBookingRules,
  checkInWindow,
  isInCheckInWindow,
  type Policy,
} from '../booking/booking-rules.js';
import type { Db, PrismaClient } from '../db/database.js';
import { RoostError, invalidInput, msg, type Message } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { MINUTE_MS } from '../time/clock.js';
import type { PhoneUser } from './phone-auth.js';

/**
 * What a desk phone's Roost service knows and does: the desk behind a device name, who has
 * it, and the booking changes a person can make standing at it. Every change goes through the
 * booking service, which writes the phone login/logout actions and the audit in the same
 * transaction; nothing here writes a reservation.
 */

export type OwnerAction = 'check-in' | 'extend-30' | 'extend-60' | 'release';
export const OWNER_ACTIONS: readonly OwnerAction[] = ['check-in', 'extend-30', 'extend-60', 'release'];

/** "Book now" offers ends on the half hour, at most 20 of them (a menu that fits one page of scrolling). */
const BOOK_NOW_STEP_MINUTES = 30;
const MAX_BOOK_NOW_CHOICES = 20;

export interface DeskBooking {
  id: number;
  status: Db.Reservation['status'];
  startsAt: Date;
  endsAt: Date;
  userId: number;
  ownerName: string;
}

export interface PhoneDesk {
  deviceName: string;
  desk: { id: number; label: string; bookable: boolean };
  floorName: string;
  /** `defaultLanguage`: the language of the phone's screens until a person is identified. */
  site: { name: string; timeZone: string; defaultLanguage: string };
  policy: Policy;
  /** The booking that holds the desk now, or whose check-in window is already open. */
  booking: DeskBooking | null;
  /** Start of the desk's next booking after `booking` (or after now when free). */
  nextStartsAt: Date | null;
  now: Date;
}

export type DeskLookup =
  | { kind: 'unknown-phone'; deviceName: string }
  | { kind: 'no-desk'; deviceName: string }
  | ({ kind: 'desk' } & PhoneDesk);

export interface BookNowChoices {
  ends: Date[];
  /** Why nothing can be booked now (the first rule broken), when `ends` is empty. */
  reason: Message | null;
}

export interface PhoneDeskService {
  lookup(deviceName: string): Promise<DeskLookup>;
  bookNowChoices(desk: PhoneDesk): BookNowChoices;
  /** Books the desk from now until `endsAt` for the person at the phone, and checks them in. */
  bookNow(input: { deviceName: string; user: PhoneUser; endsAt: Date }): Promise<Db.Reservation>;
  /** The owner actions open to `user` on this desk now. */
  ownerActions(desk: PhoneDesk, user: PhoneUser): OwnerAction[];
  act(input: { deviceName: string; user: PhoneUser; action: OwnerAction }): Promise<Db.Reservation>;
}

const isActive = (status: Db.Reservation['status']) => status === 'BOOKED' || status === 'CHECKED_IN';

export function createPhoneDeskService(deps: {
  prisma: PrismaClient;
  clock: Clock;
  bookings: BookingService;
}): PhoneDeskService {
  const { prisma, clock, bookings } = deps;

  async function lookup(deviceName: string): Promise<DeskLookup> {
    const now = clock.now();
    const phone = await prisma.phone.findUnique({
      where: { deviceName },
      include: { desk: { include: { floor: { include: { site: { include: { policy: true } } } } } } },
    });
    if (!phone) return { kind: 'unknown-phone', deviceName };
    if (!phone.desk) return { kind: 'no-desk', deviceName };
    const desk = phone.desk;
    const site = desk.floor.site;
    const policy: Policy = site.policy ?? DEFAULT_POLICY;
    // The desk's active bookings that have not ended, earliest first: the first one is "the"
    // booking if it has started or its check-in window is open.
    const upcoming = await prisma.reservation.findMany({
      where: { deskId: desk.id, status: { in: ['BOOKED', 'CHECKED_IN'] }, endsAt: { gt: now } },
      orderBy: { startsAt: 'asc' },
      take: 2,
      include: { user: { select: { displayName: true } } },
    });
    const first = upcoming[0];
    const holds =
      first !== undefined && (first.startsAt <= now || isInCheckInWindow(checkInWindow(policy, first), now));
    const booking: DeskBooking | null =
      first && holds
        ? {
            id: first.id,
            status: first.status,
            startsAt: first.startsAt,
            endsAt: first.endsAt,
            userId: first.userId,
            ownerName: first.user.displayName,
          }
        : null;
    const next = holds ? upcoming[1] : first;
    return {
      kind: 'desk',
      deviceName,
      desk: { id: desk.id, label: desk.label, bookable: desk.bookable },
      floorName: desk.floor.name,
      site: { name: site.name, timeZone: site.timeZone, defaultLanguage: site.defaultLanguage },
      policy,
      booking,
      nextStartsAt: next?.startsAt ?? null,
      now,
    };
  }

  /**
   * Ends on the half hour from at least half an hour ahead, up to the desk's next booking,
   * each checked against the site's rules (the same pure rules the booking service applies,
   * so the menu never offers what booking would refuse). The daily limit is left to the
   * service: it needs the person, who is not known yet.
   */
  function bookNowChoices(desk: PhoneDesk): BookNowChoices {
    if (desk.booking) return { ends: [], reason: msg('problem.phoneDesk.booked') };
    const { now, policy } = desk;
    const step = BOOK_NOW_STEP_MINUTES * MINUTE_MS;
    const firstEnd = Math.ceil((now.getTime() + step) / step) * step;
    // No booking may outlast the policy's maximum, so there is nothing to offer beyond it.
    const limit = Math.min(
      desk.nextStartsAt?.getTime() ?? Infinity,
      now.getTime() + policy.maxBookingMinutes * MINUTE_MS,
    );
    const ends: Date[] = [];
    let reason: Message | null = null;
    const allowed = (endsAt: Date) => {
      const broken = checkBookingRules({
        policy,
        zone: desk.site.timeZone,
        startsAt: now,
        endsAt,
        now,
        desk: desk.desk,
        otherBookingsThatDay: 0,
      });
      reason ??= broken[0]?.message ?? null;
      return broken.length === 0;
    };
    for (let end = firstEnd; end <= limit && ends.length < MAX_BOOK_NOW_CHOICES; end += step) {
      if (allowed(new Date(end))) ends.push(new Date(end));
      else if (ends.length > 0) break;
    }
    // The desk is free only until its next booking, which may not start on the half hour.
    if (
      desk.nextStartsAt !== null &&
      limit === desk.nextStartsAt.getTime() &&
      limit > now.getTime() &&
      ends.length < MAX_BOOK_NOW_CHOICES &&
      (ends.length === 0 || ends[ends.length - 1]!.getTime() < limit) &&
      limit - now.getTime() >= 5 * MINUTE_MS &&
      allowed(new Date(limit))
    ) {
      ends.push(new Date(limit));
    }
    if (ends.length > 0) return { ends, reason: null };
    return {
      ends,
      reason:
        reason ??
        (desk.nextStartsAt ? msg('problem.phoneDesk.bookedSoon') : msg('problem.phoneDesk.notBookable')),
    };
  }

  async function deskFor(deviceName: string): Promise<PhoneDesk> {
    const found = await lookup(deviceName);
    if (found.kind === 'unknown-phone')
      throw new RoostError('NOT_FOUND', msg('problem.phoneDesk.unknownPhone'));
    if (found.kind === 'no-desk') throw new RoostError('NOT_FOUND', msg('problem.phoneDesk.noDesk'));
    return found;
  }

  function ownerActions(desk: PhoneDesk, user: PhoneUser): OwnerAction[] {
    const b = desk.booking;
    if (!b || b.userId !== user.id || !isActive(b.status)) return [];
    const actions: OwnerAction[] = [];
    if (b.status === 'BOOKED' && isInCheckInWindow(checkInWindow(desk.policy, b), desk.now))
      actions.push('check-in');
    for (const [action, minutes] of [
      ['extend-30', 30],
      ['extend-60', 60],
    ] as const) {
      const endsAt = new Date(b.endsAt.getTime() + minutes * MINUTE_MS);
      const deskFree = desk.nextStartsAt === null || desk.nextStartsAt >= endsAt;
      const withinRules = checkBookingRules({
        policy: desk.policy,
        zone: desk.site.timeZone,
        startsAt: b.startsAt,
        endsAt,
        now: desk.now,
        desk: desk.desk,
        otherBookingsThatDay: 0,
      }).every((v) => v.rule !== 'too-long' && v.rule !== 'outside-working-hours');
      if (deskFree && withinRules) actions.push(action);
    }
    if (b.startsAt < desk.now) actions.push('release');
    return actions;
  }

  return {
    lookup,
    bookNowChoices,
    ownerActions,

    async bookNow({ deviceName, user, endsAt }) {
      const desk = await deskFor(deviceName);
      if (desk.booking)
        throw new RoostError(
          'BOOKING_CONFLICT',
          msg('problem.phoneDesk.bookedBy', { desk: desk.desk.label, owner: desk.booking.ownerName }),
        );
      const actor = actorFor(user);
      // The booking starts now, so its login action is due at once and the scheduler's next
      // tick logs the phone in.
      const reservation = await bookings.book({
        actor,
        userId: user.id,
        deskId: desk.desk.id,
        startsAt: desk.now,
        endsAt,
      });
      // Booking at the desk, with the PIN, is being at the desk: check in right away, or the
      // no-show release would free a desk its owner is sitting at.
      return bookings.checkIn({ actor, reservationId: reservation.id });
    },

    async act({ deviceName, user, action }) {
      const desk = await deskFor(deviceName);
      const b = desk.booking;
      if (!b) throw invalidInput(msg('problem.phoneDesk.noBooking', { desk: desk.desk.label }));
      if (b.userId !== user.id)
        throw new RoostError(
          'FORBIDDEN',
          msg('problem.phoneDesk.notYours', { desk: desk.desk.label, owner: b.ownerName }),
        );
      const actor = actorFor(user);
      switch (action) {
        case 'check-in':
          return bookings.checkIn({ actor, reservationId: b.id });
        case 'extend-30':
        case 'extend-60':
          return bookings.extend({
            actor,
            reservationId: b.id,
            endsAt: new Date(b.endsAt.getTime() + (action === 'extend-30' ? 30 : 60) * MINUTE_MS),
          });
        case 'release':
          return bookings.release({ actor, reservationId: b.id });
      }
    },
  };
}
