import { createHmac, timingSafeEqual } from 'node:crypto';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { AccountMail } from '../auth/account-mail.js';
import { rateLimited } from '../auth/sign-in-service.js';
import { createSignInThrottle, type SignInThrottle } from '../auth/sign-in-throttle.js';
import type { PrismaClient } from '../db/database.js';
import { RoostError, invalidInput, msg } from '../errors.js';
import { isLanguage, type Language } from '../i18n/languages.js';
import { renderMessage } from '../i18n/render-message.js';
import type { Clock } from '../time/clock.js';
import { HOUR_MS, MINUTE_MS } from '../time/clock.js';

/**
 * Who is at the desk phone. A phone cannot keep a session cookie or a CSRF token reliably
 * (Cisco phones drop cookies between service pages and only ever send GET), so the person
 * proves who they are per action: their EM user ID and the PIN they set in Roost.
 *
 * Typing the PIN before every single action would make "check in, then extend" a chore, and
 * every URL that carries a PIN ends up in the phone's history and in access logs. So a correct
 * PIN buys a short-lived token (TOKEN_TTL_MS) that the next screens carry instead: an HMAC with
 * the session secret over device + user + expiry. It is useless on another phone, for another
 * person, or after it expires, and it needs no server-side state.
 */
export const TOKEN_TTL_MS = 5 * MINUTE_MS;

/**
 * PIN rules (issue 18; README, Security): a new PIN is 6 to 12 digits. An older, shorter PIN
 * still identifies nobody: the phone asks its owner to set a new one in the browser.
 * PIN_DAILY_CAP wrong PINs for one person within a day block their PIN until they set a new one
 * in the browser (so about 10 guesses per PIN the owner chose, out of a million); after
 * PIN_ALERT_AFTER wrong PINs the owner is told (email when SMTP is set, and a notice on their
 * account pages). Wrong PINs also slow down per person with growing delays. Nothing is counted
 * per phone: a phone's PIN sign-in cannot be locked by whoever stands at it.
 */
export const PIN_PATTERN = /^\d{6,12}$/;
const TYPED_PIN = /^\d{1,12}$/;
export const PIN_MIN_LENGTH = 6;
export const PIN_DAILY_CAP = 10;
export const PIN_ALERT_AFTER = 5;
const PIN_WINDOW_MS = 24 * HOUR_MS;

export interface PhoneUser {
  id: number;
  email: string;
  displayName: string;
  role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
  emUserId: string | null;
  /** The language the person chose for Roost (null: none chosen), for the phone's screens. */
  language: string | null;
}

const userSelect = {
  id: true,
  email: true,
  displayName: true,
  role: true,
  emUserId: true,
  language: true,
  disabled: true,
  phonePinHash: true,
  phonePinFailures: true,
  phonePinFailuresSince: true,
  phonePinLockedAt: true,
} as const;

const PIN_BLOCKED = msg('problem.phonePin.blocked');
const PIN_TOO_SHORT = msg('problem.phonePin.tooShortOld');
const WRONG_PIN = msg('problem.phonePin.wrong');

/**
 * The language of an email to the owner: their own choice, else their home site's default
 * language (an email has no browser to ask), else English.
 */
function ownerLanguage(owner: {
  language: string | null;
  homeSite: { defaultLanguage: string } | null;
}): Language {
  if (isLanguage(owner.language)) return owner.language;
  return isLanguage(owner.homeSite?.defaultLanguage) ? owner.homeSite.defaultLanguage : 'en';
}

export interface PhoneAuth {
  /** Checks EM user ID + PIN under the throttle (per device and per user). */
  identify(input: { device: string; emUserId: string; pin: string }): Promise<PhoneUser>;
  issueToken(device: string, userId: number): string;
  /** The person a token was issued to, on this device, if it has not expired. */
  verifyToken(device: string, token: string): Promise<PhoneUser>;
}

export function createPhoneAuth(deps: {
  prisma: PrismaClient;
  clock: Clock;
  secret: string;
  throttle?: SignInThrottle;
  mail?: AccountMail;
}): PhoneAuth {
  const { prisma, clock } = deps;
  // Growing delays per person (after 3 wrong PINs at one phone, or 5 anywhere), none per phone:
  // the "address" of a phone sign-in is the phone, and it never blocks anyone on its own.
  const throttle =
    deps.throttle ??
    createSignInThrottle(clock, {
      pairFreeTries: 3,
      accountFreeTries: 5,
      addressFreeTries: Number.POSITIVE_INFINITY,
      firstDelayMs: 15_000,
      maxDelayMs: 15 * MINUTE_MS,
    });

  /** Counts a wrong PIN for a real person: the daily cap, and the owner told. */
  async function countFailure(
    user: { id: number; email: string; displayName: string } & {
      phonePinFailures: number;
      phonePinFailuresSince: Date | null;
    },
  ) {
    const now = clock.now();
    const fresh =
      !user.phonePinFailuresSince || now.getTime() - user.phonePinFailuresSince.getTime() > PIN_WINDOW_MS;
    const failures = fresh ? 1 : user.phonePinFailures + 1;
    const blocked = failures >= PIN_DAILY_CAP;
    const alert = failures === PIN_ALERT_AFTER || blocked;
    const owner = await prisma.user.update({
      where: { id: user.id },
      data: {
        phonePinFailures: failures,
        ...(fresh ? { phonePinFailuresSince: now } : {}),
        ...(blocked ? { phonePinLockedAt: now } : {}),
        ...(alert ? { phonePinAlertAt: now } : {}),
      },
      select: { language: true, homeSite: { select: { defaultLanguage: true } } },
    });
    if (alert && deps.mail?.enabled) {
      const lang = ownerLanguage(owner);
      const facts = { name: user.displayName, failures };
      void deps.mail.send({
        to: user.email,
        subject: renderMessage(lang, msg(blocked ? 'email.pinBlocked.subject' : 'email.pinAlert.subject')),
        text: renderMessage(lang, msg(blocked ? 'email.pinBlocked.text' : 'email.pinAlert.text', facts)),
      });
    }
  }

  const sign = (device: string, userId: number, expiresAtSeconds: number) =>
    createHmac('sha256', deps.secret)
      .update(`roost-phone-token|${device}|${userId}|${expiresAtSeconds}`)
      .digest('base64url');

  type Row = PhoneUser & {
    disabled: boolean;
    phonePinHash: string | null;
    phonePinFailures: number;
    phonePinFailuresSince: Date | null;
    phonePinLockedAt: Date | null;
  };
  const active = (user: Row | null) => (user && !user.disabled && user.phonePinHash ? user : null);

  const strip = (user: Row): PhoneUser => ({
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    emUserId: user.emUserId,
    language: user.language,
  });

  return {
    async identify({ device, emUserId, pin }) {
      const id = emUserId.trim();
      const userKey = `em:${id}`;
      const deviceKey = `device:${device}`;
      const wait = throttle.retryAfterSeconds(userKey, deviceKey);
      if (wait > 0) throw rateLimited('pins', wait);
      const user =
        id === ''
          ? null
          : await prisma.user.findFirst({
              where: { emUserId: { equals: id, mode: 'insensitive' } },
              select: userSelect,
            });
      const candidate = active(user);
      // Always one argon2 verification, so an unknown ID answers as slowly as a wrong PIN.
      const ok =
        (await verifyPassword(candidate?.phonePinHash ?? (await dummyPasswordHash()), pin)) &&
        candidate !== null &&
        TYPED_PIN.test(pin);
      if (candidate?.phonePinLockedAt) throw new RoostError('UNAUTHENTICATED', PIN_BLOCKED);
      if (!ok || !candidate) {
        throttle.recordFailure(userKey, deviceKey);
        if (candidate) await countFailure(candidate);
        throw new RoostError('UNAUTHENTICATED', WRONG_PIN);
      }
      throttle.recordSuccess(userKey, deviceKey);
      if (candidate.phonePinFailures > 0)
        await prisma.user.update({
          where: { id: candidate.id },
          data: { phonePinFailures: 0, phonePinFailuresSince: null },
        });
      if (pin.length < PIN_MIN_LENGTH) throw new RoostError('UNAUTHENTICATED', PIN_TOO_SHORT);
      return strip(candidate);
    },

    issueToken(device, userId) {
      const expires = Math.floor((clock.now().getTime() + TOKEN_TTL_MS) / 1000);
      return `${userId}.${expires}.${sign(device, userId, expires)}`;
    },

    async verifyToken(device, token) {
      const expired = new RoostError('UNAUTHENTICATED', msg('problem.phonePin.expired'));
      const m = /^(\d{1,10})\.(\d{1,12})\.([\w-]{43})$/.exec(token);
      if (!m) throw expired;
      const userId = Number(m[1]);
      const expires = Number(m[2]);
      const given = Buffer.from(m[3]!);
      const wanted = Buffer.from(sign(device, userId, expires));
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw expired;
      if (expires * 1000 <= clock.now().getTime()) throw expired;
      const user = active(await prisma.user.findUnique({ where: { id: userId }, select: userSelect }));
      if (!user) throw expired;
      return strip(user);
    },
  };
}

/** Sets (or replaces) a person's phone PIN; argon2id like passwords. */
export async function setPhonePin(prisma: PrismaClient, userId: number, pin: string): Promise<void> {
  if (!PIN_PATTERN.test(pin)) throw invalidInput(msg('problem.phonePin.shape')).about('pin');
  if (/^(\d)\1+$/.test(pin) || '01234567890'.includes(pin) || '09876543210'.includes(pin))
    throw invalidInput(msg('problem.phonePin.guessable')).about('pin');
  // A new PIN lifts a block and clears the counters and the notice.
  await prisma.user.update({
    where: { id: userId },
    data: { phonePinHash: await hashPassword(pin), ...pinStateCleared },
  });
}

const pinStateCleared = {
  phonePinFailures: 0,
  phonePinFailuresSince: null,
  phonePinLockedAt: null,
  phonePinAlertAt: null,
};

export async function clearPhonePin(prisma: PrismaClient, userId: number): Promise<void> {
  await prisma.user.update({ where: { id: userId }, data: { phonePinHash: null, ...pinStateCleared } });
}
