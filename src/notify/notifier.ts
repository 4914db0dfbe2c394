import nodemailer from 'nodemailer';
import type { Actor } from '../audit/audit-log.js';
import { recordAudit, systemActor } from '../audit/audit-log.js';
import {
  languageFor,
  localWhen,
  reservationIcs,
  reservationInclude,
  type ReservationWithPlace,
} from '../calendar/calendar-feed.js';
import type { Config } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import { formatInZone, zoneAbbreviation } from '../i18n/formats.js';
import { translator } from '../i18n/translator.js';
import type { Log } from '../log.js';
import type { Clock } from '../time/clock.js';

/**
 * Optional email notices. With ROOST_SMTP_URL unset (the default) every notice is a no-op.
 *
 * A notice never fails the change that caused it: the booking is already committed when we
 * send. Sending happens in the background; a failure is logged and recorded in the audit trail
 * (`notice.failed`), so staff can see who was not told. `idle()` waits for notices in flight
 * (tests and a graceful shutdown).
 */
export interface Notifier {
  readonly enabled: boolean;
  bookingConfirmed(reservationId: number): Promise<void>;
  bookingCancelledByStaff(reservationId: number, by: { displayName: string } | null): Promise<void>;
  /**
   * For the scheduler: the login of this booking's phone needs a person. `problem` is the kind
   * (scheduler/phone-problems.ts), told in plain words, never as an EM code.
   */
  phoneLoginFailed(reservationId: number, problem: string): Promise<void>;
  /** For the scheduler: a cluster's phones have waited for EM long enough to tell facilities. */
  emWaiting(wait: { clusterId: number; count: number; since: Date }): Promise<void>;
  idle(): Promise<void>;
  close(): Promise<void>;
}

export type NotifierLog = Pick<Log, 'info' | 'error'>;

export interface Notice {
  to: string;
  subject: string;
  text: string;
  /** An .ics to attach (the booking as it is now). */
  ics?: string;
}

/** Builds the notices' text; pure, so tests and other senders can reuse it. */
export function composeNotice(
  kind: 'confirmed' | 'cancelled-by-staff' | 'phone-login-failed',
  r: ReservationWithPlace & { user: { email: string; displayName: string; language?: string | null } },
  extra: { by?: string | null; problem?: string; ics?: string } = {},
): Notice {
  const site = r.desk.floor.site;
  // The person's language, else the site's default (an email has no browser to ask).
  const lang = languageFor(r.user, site);
  const t = (key: string, params: Record<string, string> = {}) =>
    translator().t(lang, key, { ...params, name: r.user.displayName, desk: r.desk.label });
  const place = t('email.place', { floor: r.desk.floor.name, site: site.name });
  const when = localWhen(site.timeZone, r.startsAt, r.endsAt, lang);
  const letter = (body: string) => `${t('email.hello')}\n\n${body}\n\n— Roost`;
  switch (kind) {
    case 'confirmed':
      return {
        to: r.user.email,
        subject: t('email.confirmed.subject', { when }),
        text: letter(t('email.confirmed.body', { place, when })),
        ...(extra.ics ? { ics: extra.ics } : {}),
      };
    case 'cancelled-by-staff':
      return {
        to: r.user.email,
        subject: t('email.cancelled.subject'),
        text: letter(t('email.cancelled.body', { place, when, by: extra.by ?? t('email.cancelled.staff') })),
        ...(extra.ics ? { ics: extra.ics } : {}),
      };
    case 'phone-login-failed':
      return {
        to: r.user.email,
        subject: t('email.loginFailed.subject'),
        text: letter(
          t('email.loginFailed.body', {
            place,
            when,
            reason: t(LOGIN_PROBLEM_KEYS[extra.problem ?? 'other'] ?? LOGIN_PROBLEM_KEYS.other!),
          }),
        ),
      };
  }
}

/** Plain words for each kind of scheduler/phone-problems.ts. */
const LOGIN_PROBLEM_KEYS: Record<string, string> = {
  'unknown-phone': 'email.loginFailed.problem.unknownPhone',
  'unknown-user': 'email.loginFailed.problem.unknownUser',
  'em-disabled': 'email.loginFailed.problem.emDisabled',
  'phone-system-access': 'email.loginFailed.problem.phoneSystemAccess',
  'phone-taken': 'email.loginFailed.problem.phoneTaken',
  'no-em-user': 'email.loginFailed.problem.noEmUser',
  other: 'email.loginFailed.problem.other',
};

/** The notice to one facilities person that a cluster's phones have waited for EM a while. */
export function composeEmWaiting(
  person: { email: string; displayName: string; language?: string | null },
  site: { timeZone: string; defaultLanguage?: string | null },
  wait: { cluster: string; count: number; since: Date },
): Notice {
  const lang = languageFor(person, site);
  const t = (key: string, params: Record<string, string | number> = {}) =>
    translator().t(lang, key, { ...params, name: person.displayName });
  const since = `${formatInZone(lang, site.timeZone, wait.since, 'dayWithYear')}, ${formatInZone(lang, site.timeZone, wait.since, 'time')} ${zoneAbbreviation(lang, site.timeZone, wait.since)}`;
  return {
    to: person.email,
    subject: t('email.emWaiting.subject', { cluster: wait.cluster }),
    text: `${t('email.hello')}\n\n${t('email.emWaiting.body', { cluster: wait.cluster, count: wait.count, since })}\n\n— Roost`,
  };
}

const noopNotifier: Notifier = {
  enabled: false,
  bookingConfirmed: async () => {},
  bookingCancelledByStaff: async () => {},
  phoneLoginFailed: async () => {},
  emWaiting: async () => {},
  idle: async () => {},
  close: async () => {},
};

export function createNotifier(deps: {
  config: Pick<Config, 'smtpUrl' | 'mailFrom'>;
  prisma: PrismaClient;
  clock: Clock;
  log?: NotifierLog;
}): Notifier {
  const { config, prisma, clock, log } = deps;
  if (!config.smtpUrl) return noopNotifier;
  const transport = nodemailer.createTransport(config.smtpUrl);
  const inFlight = new Set<Promise<void>>();

  async function send(
    kind: Parameters<typeof composeNotice>[0],
    reservationId: number,
    extra: Parameters<typeof composeNotice>[2],
  ): Promise<void> {
    try {
      const r = await prisma.reservation.findUnique({
        where: { id: reservationId },
        include: {
          ...reservationInclude,
          user: { select: { email: true, displayName: true, language: true } },
        },
      });
      if (!r) return;
      const notice = composeNotice(kind, r, {
        ...extra,
        ...(kind === 'phone-login-failed'
          ? {}
          : { ics: await reservationIcs(prisma, r, languageFor(r.user, r.desk.floor.site)) }),
      });
      await transport.sendMail({
        from: config.mailFrom,
        to: notice.to,
        subject: notice.subject,
        text: notice.text,
        ...(notice.ics
          ? { icalEvent: { method: 'PUBLISH', filename: `roost-booking-${r.id}.ics`, content: notice.ics } }
          : {}),
      });
      log?.info({ bookingId: reservationId, notice: kind }, 'notice sent');
    } catch (error) {
      // Handled by recording it: the person was not told, and staff can see that.
      log?.error({ err: error, bookingId: reservationId, notice: kind }, 'notice not sent');
      await recordAudit(
        prisma,
        systemActor,
        {
          action: 'notice.failed',
          subjectType: 'Reservation',
          subjectId: reservationId,
          details: { notice: kind, error: error instanceof Error ? error.message.slice(0, 300) : 'unknown' },
        },
        clock.now(),
      ).catch((auditError: unknown) =>
        log?.error({ err: auditError, bookingId: reservationId }, 'notice failure not recorded'),
      );
    }
  }

  /** To every active facilities and admin account, each in their own language. */
  async function sendEmWaiting(wait: { clusterId: number; count: number; since: Date }): Promise<void> {
    try {
      const cluster = await prisma.emCluster.findUnique({
        where: { id: wait.clusterId },
        include: {
          sites: { select: { timeZone: true, defaultLanguage: true }, orderBy: { id: 'asc' }, take: 1 },
        },
      });
      if (!cluster) return;
      const site = cluster.sites[0] ?? { timeZone: 'UTC', defaultLanguage: null };
      const staff = await prisma.user.findMany({
        where: { role: { in: ['FACILITIES', 'ADMIN'] }, disabled: false },
        select: { email: true, displayName: true, language: true },
      });
      for (const person of staff) {
        const notice = composeEmWaiting(person, site, { ...wait, cluster: cluster.name });
        await transport.sendMail({
          from: config.mailFrom,
          to: notice.to,
          subject: notice.subject,
          text: notice.text,
        });
      }
      log?.info({ clusterId: wait.clusterId, notice: 'em-waiting', staff: staff.length }, 'notice sent');
    } catch (error) {
      log?.error({ err: error, clusterId: wait.clusterId, notice: 'em-waiting' }, 'notice not sent');
      await recordAudit(
        prisma,
        systemActor,
        {
          action: 'notice.failed',
          subjectType: 'EmCluster',
          subjectId: wait.clusterId,
          details: {
            notice: 'em-waiting',
            error: error instanceof Error ? error.message.slice(0, 300) : 'unknown',
          },
        },
        clock.now(),
      ).catch(() => undefined);
    }
  }

  function track(p: Promise<void>): Promise<void> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  }

  return {
    enabled: true,
    bookingConfirmed: (id) => track(send('confirmed', id, {})),
    bookingCancelledByStaff: (id, by) =>
      track(send('cancelled-by-staff', id, { by: by?.displayName ?? null })),
    phoneLoginFailed: (id, problem) => track(send('phone-login-failed', id, { problem })),
    emWaiting: (wait) => track(sendEmWaiting(wait)),
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      await this.idle();
      transport.close();
    },
  };
}

/**
 * The notice a booking change calls for, if any: a new booking is confirmed; a cancellation by
 * someone other than the owner (facilities staff) is announced. Callers run it after the
 * change has committed; it resolves once the notice is sent or given up (never rejects).
 */
export function notifyBookingChanged(
  notifier: Notifier,
  change: {
    before: { status: string } | null;
    after: { id: number; status: string; userId: number };
    actor: Actor & { displayName?: string };
  },
): Promise<void> {
  const { before, after, actor } = change;
  if (before === null && (after.status === 'BOOKED' || after.status === 'CHECKED_IN'))
    return notifier.bookingConfirmed(after.id);
  if (after.status === 'CANCELLED' && before?.status !== 'CANCELLED' && actor.id !== after.userId)
    return notifier.bookingCancelledByStaff(
      after.id,
      actor.displayName ? { displayName: actor.displayName } : null,
    );
  return Promise.resolve();
}
