import { createHash, randomBytes } from 'node:crypto';
import type { Db, PrismaClient } from '../db/database.js';
import { DAY_MS, type Clock } from '../time/clock.js';
import { formatInZone, zoneAbbreviation } from '../i18n/formats.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { translator } from '../i18n/translator.js';
import { localDate } from '../time/zones.js';
import { renderCalendar, type IcsEvent } from './ical.js';

/**
 * A person's private calendar feed and per-booking .ics files.
 *
 * The feed URL carries a random token (256 bits); only its SHA-256 is stored, in
 * User.calendarTokenHash, like API tokens. It can be shown once, when made. Resetting the
 * link stores the hash of a new token, which is what revokes the old URL.
 */

/** How far back the feed reaches: recent bookings stay visible in the calendar. */
const FEED_PAST_DAYS = 60;
const FEED_MAX_EVENTS = 500;

export const hashCalendarToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new feed token for the person; the previous feed URL stops working. */
export async function issueCalendarToken(prisma: PrismaClient, userId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await prisma.user.update({ where: { id: userId }, data: { calendarTokenHash: hashCalendarToken(token) } });
  return token;
}

export async function revokeCalendarFeed(prisma: PrismaClient, userId: number): Promise<void> {
  await prisma.user.update({ where: { id: userId }, data: { calendarTokenHash: null } });
}

export async function hasCalendarFeed(prisma: PrismaClient, userId: number): Promise<boolean> {
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { calendarTokenHash: true } });
  return Boolean(user?.calendarTokenHash);
}

export const reservationInclude = {
  desk: { include: { floor: { include: { site: true } } } },
} as const;

export type ReservationWithPlace = Db.Prisma.ReservationGetPayload<{ include: typeof reservationInclude }>;

const STATUS_LABEL: Record<Db.Reservation['status'], string> = {
  BOOKED: 'calendar.status.BOOKED',
  CHECKED_IN: 'calendar.status.CHECKED_IN',
  RELEASED: 'calendar.status.RELEASED',
  CANCELLED: 'calendar.status.CANCELLED',
  NO_SHOW: 'calendar.status.NO_SHOW',
  COMPLETED: 'calendar.status.COMPLETED',
};

/**
 * The language of a person's calendar texts and emails: their own choice, else the site's
 * default language (no browser asks here), else English.
 */
export function languageFor(
  user: { language?: string | null },
  site: { defaultLanguage?: string | null },
): Language {
  if (isLanguage(user.language)) return user.language;
  return isLanguage(site.defaultLanguage) ? site.defaultLanguage : 'en';
}

/** "Tue 1 Dec 2026, 09:00–17:00 CET (Europe/Berlin)" in the site's own zone and the language. */
export function localWhen(zone: string, startsAt: Date, endsAt: Date, lang: Language = 'en'): string {
  const at = (instant: Date) =>
    `${formatInZone(lang, zone, instant, 'dayWithYear')}, ${formatInZone(lang, zone, instant, 'time')}`;
  const sameDay = localDate(zone, startsAt) === localDate(zone, endsAt);
  const end = sameDay ? formatInZone(lang, zone, endsAt, 'time') : at(endsAt);
  const startZone = zoneAbbreviation(lang, zone, startsAt);
  const endZone = zoneAbbreviation(lang, zone, endsAt);
  return startZone === endZone
    ? `${at(startsAt)}–${end} ${startZone} (${zone})`
    : `${at(startsAt)} ${startZone} – ${end} ${endZone} (${zone})`;
}

/**
 * SEQUENCE per booking: how many changes it has had. Every booking change writes one audit
 * event (booking service, scheduler), so the count after the creating one is the revision.
 */
export async function revisionsOf(prisma: PrismaClient, ids: number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const rows = await prisma.auditEvent.groupBy({
    by: ['subjectId'],
    where: { subjectType: { in: ['Reservation', 'reservation'] }, subjectId: { in: ids.map(String) } },
    _count: { _all: true },
  });
  return new Map(rows.map((r) => [Number(r.subjectId), Math.max(0, r._count._all - 1)]));
}

export function reservationEvent(r: ReservationWithPlace, sequence = 0, lang: Language = 'en'): IcsEvent {
  const site = r.desk.floor.site;
  const t = (key: string, params?: Record<string, string>) => translator().t(lang, key, params);
  const place = t('calendar.place', { desk: r.desk.label, floor: r.desk.floor.name, site: site.name });
  return {
    uid: `reservation-${r.id}@roost`,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    stampAt: r.updatedAt,
    sequence,
    summary: t('calendar.summary', { desk: r.desk.label, site: site.name }),
    location: site.address ? `${place}, ${site.address}` : place,
    description: [
      place,
      localWhen(site.timeZone, r.startsAt, r.endsAt, lang),
      t('calendar.statusLine', { status: t(STATUS_LABEL[r.status]) }),
    ].join('\n'),
    status: r.status === 'CANCELLED' || r.status === 'NO_SHOW' ? 'CANCELLED' : 'CONFIRMED',
  };
}

/** The feed behind a token, or null when no one has that token (never made, or reset). */
export async function calendarFeed(prisma: PrismaClient, token: string, now: Date): Promise<string | null> {
  if (!/^[\w-]{20,100}$/.test(token)) return null;
  const user = await prisma.user.findUnique({
    where: { calendarTokenHash: hashCalendarToken(token) },
    select: { id: true, disabled: true, language: true },
  });
  if (!user || user.disabled) return null;
  const rows = await prisma.reservation.findMany({
    where: { userId: user.id, endsAt: { gt: new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS) } },
    orderBy: { startsAt: 'asc' },
    take: FEED_MAX_EVENTS,
    include: reservationInclude,
  });
  const revisions = await revisionsOf(
    prisma,
    rows.map((r) => r.id),
  );
  return renderCalendar({
    name: translator().t(languageFor(user, rows[0]?.desk.floor.site ?? {}), 'calendar.feedName'),
    events: rows.map((r) =>
      reservationEvent(r, revisions.get(r.id) ?? 0, languageFor(user, r.desk.floor.site)),
    ),
  });
}

/** One booking as a downloadable .ics (METHOD:PUBLISH). */
export async function reservationIcs(
  prisma: PrismaClient,
  r: ReservationWithPlace,
  lang: Language = 'en',
): Promise<string> {
  const sequence = (await revisionsOf(prisma, [r.id])).get(r.id) ?? 0;
  return renderCalendar({
    name: translator().t(lang, 'calendar.icsName'),
    method: 'PUBLISH',
    events: [reservationEvent(r, sequence, lang)],
  });
}

/** The calendar side of the pages: feeds, one booking's .ics, the feed settings of a person. */
export function createCalendarService({ prisma, clock }: { prisma: PrismaClient; clock: Clock }) {
  return {
    feed: (token: string) => calendarFeed(prisma, token, clock.now()),
    /** One booking as .ics for its owner or staff; null for anyone else, like a missing one. */
    async bookingIcs(viewer: { id: number; isStaff: boolean }, reservationId: number, lang: Language = 'en') {
      const r = await prisma.reservation.findUnique({
        where: { id: reservationId },
        include: reservationInclude,
      });
      if (!r || (r.userId !== viewer.id && !viewer.isStaff)) return null;
      return { id: r.id, ics: await reservationIcs(prisma, r, lang) };
    },
    hasFeed: (userId: number) => hasCalendarFeed(prisma, userId),
    issueToken: (userId: number) => issueCalendarToken(prisma, userId),
    revoke: (userId: number) => revokeCalendarFeed(prisma, userId),
    /** The person's coming bookings as the feed settings page lists them. */
    async upcoming(userId: number) {
      const bookings = await prisma.reservation.findMany({
        where: { userId, status: { in: ['BOOKED', 'CHECKED_IN'] }, endsAt: { gt: clock.now() } },
        orderBy: { startsAt: 'asc' },
        take: 50,
        include: { desk: { include: { floor: { include: { site: true } } } } },
      });
      return bookings.map((b) => ({
        id: b.id,
        desk: b.desk.label,
        floor: b.desk.floor.name,
        site: b.desk.floor.site.name,
        when: localWhen(b.desk.floor.site.timeZone, b.startsAt, b.endsAt),
        // The page says the time in the reader's language from these.
        zone: b.desk.floor.site.timeZone,
        startsAt: b.startsAt,
        endsAt: b.endsAt,
      }));
    },
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
