import type { Db } from '../db/database.js';
import { MINUTE_MS } from '../time/clock.js';
import { checkInWindow, isInCheckInWindow, policyOf } from './booking-rules.js';
import { extendDefault, latestEndFor } from './time-grid.js';
import { LASTING_WAIT_MS } from '../scheduler/jobs.js';
import type { BookingSummary, PhoneStatus } from './booking-types.js';

/**
 * A booking as the pages and the API show it: what may be done now, and the phone's state as a
 * kind (web/ says it in words, in the reader's language).
 */

/** How long past its due time a login may wait for a tick before it counts as waiting for EM. */
const PHONE_WAITING_AFTER_MS = MINUTE_MS;

export function phoneStatusOf(
  actions: {
    kind: 'LOGIN' | 'LOGOUT';
    state: string;
    dueAt: Date;
    lastOutcome: string | null;
    purpose: string;
    attempts: number;
  }[],
  now: Date,
  bookingStartsAt: Date,
): PhoneStatus | null {
  // Only the booking's own actions (a move retires the old phone's ones).
  const current = actions.filter((a) => a.purpose === 'BOOKING');
  const login = current.find((a) => a.kind === 'LOGIN');
  const logout = current.find((a) => a.kind === 'LOGOUT');
  if (logout?.state === 'DONE') return { kind: 'logged-out' };
  if (!login) return null;
  switch (login.state) {
    case 'DONE':
      return { kind: 'logged-in' };
    case 'FAILED':
    case 'CONFLICT':
      // Plain words for the person, never the EM code: the reason is for facilities (Phones page),
      // who are told, and the scheduler tries again when they change the phone, desk or person.
      return { kind: 'failed', reason: login.lastOutcome };
    case 'PENDING': {
      // Tried and not done (EM unreachable or busy; its retry is due later), or due a while ago
      // and not yet tried (no node answers): the phone system is not answering. The scheduler
      // logs the phone in as soon as it does; it never gives up while the booking is current.
      // Waiting since the login first fell due: the booking's start, or an earlier rush start.
      const since = login.attempts > 0 && bookingStartsAt < login.dueAt ? bookingStartsAt : login.dueAt;
      if (login.attempts > 0 || since.getTime() + PHONE_WAITING_AFTER_MS < now.getTime()) {
        const lasting = since.getTime() + LASTING_WAIT_MS <= now.getTime();
        return { kind: 'waiting', since, lasting };
      }
      if (login.dueAt <= now) return { kind: 'running' };
      return { kind: 'pending', at: login.dueAt };
    }
    case 'RUNNING':
      return { kind: 'running' };
    default:
      return null;
  }
}

export const summaryInclude = {
  desk: { include: { floor: { include: { site: { include: { policy: true } } } }, phone: true } },
  phoneActions: true,
  createdBy: { select: { displayName: true } },
  updatedBy: { select: { displayName: true } },
} as const;

type SummaryRow = Db.Prisma.ReservationGetPayload<{ include: typeof summaryInclude }>;

export function summarize(r: SummaryRow, now: Date): BookingSummary {
  const site = r.desk.floor.site;
  const zone = site.timeZone;
  const policy = policyOf(site);
  const window = checkInWindow(policy, r);
  const isCurrent = r.startsAt <= now && now < r.endsAt;
  const active = r.status === 'BOOKED' || r.status === 'CHECKED_IN';
  const latestEndAt = latestEndFor(policy, zone, r.startsAt);
  return {
    id: r.id,
    status: r.status,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    checkedInAt: r.checkedInAt,
    userId: r.userId,
    desk: { id: r.desk.id, label: r.desk.label, features: r.desk.features },
    floor: { id: r.desk.floor.id, name: r.desk.floor.name },
    site: { id: site.id, name: site.name, timeZone: zone },
    phone: r.desk.phone ? { deviceName: r.desk.phone.deviceName } : null,
    phoneStatus: phoneStatusOf(r.phoneActions, now, r.startsAt),
    bookedBy:
      r.createdById !== null && r.createdById !== r.userId ? (r.createdBy?.displayName ?? null) : null,
    changedBy:
      r.updatedById !== null && r.updatedById !== r.userId && r.updatedById !== r.createdById
        ? (r.updatedBy?.displayName ?? null)
        : null,
    isCurrent,
    canCancel: active && now <= r.startsAt,
    canRelease: active && isCurrent && r.startsAt < now,
    canExtend: active && r.endsAt > now && latestEndAt > r.endsAt,
    canCheckIn: r.status === 'BOOKED' && isInCheckInWindow(window, now),
    checkInOpensAt: window.opensAt,
    checkInClosesAt: window.closesAt,
    latestEndAt,
    extendDefaultAt: extendDefault(zone, r, latestEndAt),
  };
}
