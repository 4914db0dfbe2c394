import { Db } from '../db/database.js';
import { asSql, type SqlRunner } from '../db/sql.js';
import { MINUTE_MS } from '../time/clock.js';
import {
  checkInWindow,
  isInCheckInWindow,
  policyColumnsSql,
  policyOfRow,
  type Policy,
} from './booking-rules.js';
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

/** What summarize reads of a booking (summaryRows loads it). */
export interface SummaryRow {
  id: number;
  status: Db.Reservation['status'];
  startsAt: Date;
  endsAt: Date;
  checkedInAt: Date | null;
  userId: number;
  createdById: number | null;
  updatedById: number | null;
  desk: {
    id: number;
    label: string;
    features: string[];
    floor: {
      id: number;
      name: string;
      site: { id: number; name: string; timeZone: string; policy: Policy };
    };
    phone: { deviceName: string } | null;
  };
  phoneActions: Parameters<typeof phoneStatusOf>[0];
  createdBy: { displayName: string } | null;
  updatedBy: { displayName: string } | null;
}

type FlatSummaryRow = Omit<SummaryRow, 'desk' | 'phoneActions' | 'createdBy' | 'updatedBy'> &
  Policy & {
    policyId: number | null;
    deskLabel: string;
    deskFeatures: string[];
    floorId: number;
    floorName: string;
    siteId: number;
    siteName: string;
    timeZone: string;
    deviceName: string | null;
    createdByName: string | null;
    updatedByName: string | null;
    deskId: number;
    // A JSON column: its instants arrive as text.
    phoneActions: (Omit<SummaryRow['phoneActions'][number], 'dueAt'> & { dueAt: string })[];
  };

/**
 * The bookings `where` selects (over "Reservation" r), in the order and page `tail` names, with
 * all a summary shows: one statement in plain SQL (db/sql.ts; through a Prisma client too), since
 * every booking made through the API answers with its summary.
 */
export async function summaryRows(
  db: SqlRunner,
  where: Db.Prisma.Sql,
  tail: Db.Prisma.Sql = Db.Prisma.empty,
): Promise<SummaryRow[]> {
  const rows = await asSql(db).rows<FlatSummaryRow>(Db.Prisma.sql`
    SELECT r."id", r."status"::text AS "status", r."startsAt", r."endsAt", r."checkedInAt", r."userId",
      r."createdById", r."updatedById", r."deskId", d."label" AS "deskLabel", d."features" AS "deskFeatures",
      f."id" AS "floorId", f."name" AS "floorName", s."id" AS "siteId", s."name" AS "siteName", s."timeZone",
      ${policyColumnsSql('p')}, ph."deviceName",
      cb."displayName" AS "createdByName", ub."displayName" AS "updatedByName",
      (SELECT coalesce(json_agg(json_build_object('kind', a."kind", 'state', a."state", 'dueAt', a."dueAt",
          'lastOutcome', a."lastOutcome", 'purpose', a."purpose", 'attempts', a."attempts") ORDER BY a."id"), '[]'::json)
        FROM "PhoneAction" a WHERE a."reservationId" = r."id") AS "phoneActions"
    FROM "Reservation" r
      JOIN "Desk" d ON d."id" = r."deskId"
      JOIN "Floor" f ON f."id" = d."floorId"
      JOIN "Site" s ON s."id" = f."siteId"
      LEFT JOIN "BookingPolicy" p ON p."siteId" = s."id"
      LEFT JOIN "Phone" ph ON ph."deskId" = d."id"
      LEFT JOIN "User" cb ON cb."id" = r."createdById"
      LEFT JOIN "User" ub ON ub."id" = r."updatedById"
    WHERE ${where}
    ${tail}`);
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    checkedInAt: row.checkedInAt,
    userId: row.userId,
    createdById: row.createdById,
    updatedById: row.updatedById,
    desk: {
      id: row.deskId,
      label: row.deskLabel,
      features: row.deskFeatures,
      floor: {
        id: row.floorId,
        name: row.floorName,
        site: {
          id: row.siteId,
          name: row.siteName,
          timeZone: row.timeZone,
          policy: policyOfRow(row),
        },
      },
      phone: row.deviceName === null ? null : { deviceName: row.deviceName },
    },
    phoneActions: row.phoneActions.map((a) => ({ ...a, dueAt: new Date(a.dueAt) })),
    createdBy: row.createdByName === null ? null : { displayName: row.createdByName },
    updatedBy: row.updatedByName === null ? null : { displayName: row.updatedByName },
  }));
}

export function summarize(r: SummaryRow, now: Date): BookingSummary {
  const site = r.desk.floor.site;
  const zone = site.timeZone;
  const policy = site.policy;
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
