import { createHmac, timingSafeEqual } from 'node:crypto';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import { createSignInThrottle, type SignInThrottle } from '../auth/sign-in-throttle.js';
import type { PrismaClient } from '../db/database.js';
import { RoostError, invalidInput } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { MINUTE_MS } from '../time/clock.js';

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

/** 4 to 8 digits: what a phone keypad types quickly. */
export const PIN_PATTERN = /^\d{4,8}$/;

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
} as const;

const WRONG_PIN =
  'That user ID and PIN do not match. Use your phone (EM) user ID and the PIN set in Roost under Account, Phone PIN.';

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
}): PhoneAuth {
  const { prisma, clock } = deps;
  // Per user: 5 wrong PINs in 15 minutes (a 4-digit PIN then takes years to guess). Per
  // device: 10, so one phone cannot be used to walk through everyone's PINs.
  const throttle =
    deps.throttle ??
    createSignInThrottle(clock, { maxFailures: 5, maxFailuresPerAddress: 10, windowMs: 15 * MINUTE_MS });

  const sign = (device: string, userId: number, expiresAtSeconds: number) =>
    createHmac('sha256', deps.secret)
      .update(`roost-phone-token|${device}|${userId}|${expiresAtSeconds}`)
      .digest('base64url');

  const active = (user: ({ disabled: boolean; phonePinHash: string | null } & PhoneUser) | null) =>
    user && !user.disabled && user.phonePinHash ? user : null;

  const strip = (user: PhoneUser & { disabled: boolean; phonePinHash: string | null }): PhoneUser => ({
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
      if (wait > 0) {
        throw new RoostError(
          'RATE_LIMITED',
          `Too many wrong PINs. Try again in ${Math.ceil(wait / 60)} minute(s), or book on the Roost web page.`,
          { retryAfterSeconds: wait },
        );
      }
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
        PIN_PATTERN.test(pin);
      if (!ok || !candidate) {
        throttle.recordFailure(userKey, deviceKey);
        throw new RoostError('UNAUTHENTICATED', WRONG_PIN);
      }
      throttle.recordSuccess(userKey);
      return strip(candidate);
    },

    issueToken(device, userId) {
      const expires = Math.floor((clock.now().getTime() + TOKEN_TTL_MS) / 1000);
      return `${userId}.${expires}.${sign(device, userId, expires)}`;
    },

    async verifyToken(device, token) {
      const expired = new RoostError('UNAUTHENTICATED', 'This screen has timed out. Start again from Roost.');
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
  if (!PIN_PATTERN.test(pin)) throw invalidInput('A phone PIN is 4 to 8 digits.');
  if (/^(\d)\1+$/.test(pin) || '0123456789'.includes(pin) || '9876543210'.includes(pin))
    throw invalidInput('Choose a PIN that is not all one digit or a run like 1234.');
  await prisma.user.update({ where: { id: userId }, data: { phonePinHash: await hashPassword(pin) } });
}

export async function clearPhonePin(prisma: PrismaClient, userId: number): Promise<void> {
  await prisma.user.update({ where: { id: userId }, data: { phonePinHash: null } });
}
