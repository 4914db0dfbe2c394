import type { PrismaClient } from '../db/database.js';
import { RoostError, msg } from '../errors.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** What a correct password yields: enough to decide about a second factor and a new password. */
export interface PasswordUser {
  id: number;
  email: string;
  role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
  mustChangePassword: boolean;
  totpEnabled: boolean;
}

/** The 429 every throttle raises: Retry-After and the body carry the same number of seconds. */
export function rateLimited(what: 'signIns' | 'pins', seconds: number): RoostError {
  const wait = { seconds, minutes: Math.ceil(seconds / 60) };
  return new RoostError(
    'RATE_LIMITED',
    msg(what === 'pins' ? 'problem.auth.tooManyPins' : 'problem.auth.tooManySignIns', {
      wait: msg(seconds < 120 ? 'problem.auth.waitSeconds' : 'problem.auth.waitMinutes', wait),
    }),
    { retryAfterSeconds: seconds },
  );
}

/**
 * Password sign-in for the pages and POST /api/v1/tokens: the throttle (sign-in-throttle.ts),
 * one argon2 verification whether or not the account exists (same answer and about the same
 * time for an unknown email and a wrong password), and the outcome recorded for the throttle.
 */
export function createSignInService(deps: { prisma: PrismaClient; throttle: SignInThrottle }) {
  const { prisma, throttle } = deps;
  return {
    /** The user for a right password, null for a wrong one; RATE_LIMITED while throttled. */
    async authenticate(emailRaw: string, password: string, address: string): Promise<PasswordUser | null> {
      const email = emailRaw.trim().toLowerCase();
      const wait = throttle.retryAfterSeconds(email, address);
      if (wait > 0) throw rateLimited('signIns', wait);
      const user = await prisma.user.findUnique({ where: { email } });
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
      if (!user || !ok || user.disabled) {
        throttle.recordFailure(email, address);
        return null;
      }
      throttle.recordSuccess(email, address);
      return {
        id: user.id,
        email: user.email,
        role: user.role,
        mustChangePassword: user.mustChangePassword,
        totpEnabled: user.totpEnabledAt !== null && user.totpSecret !== null,
      };
    },
    /** For a second step (TOTP) that fails: it counts like a wrong password. */
    recordFailure(email: string, address: string) {
      throttle.recordFailure(email.trim().toLowerCase(), address);
    },
    /** The email of an active account (for the throttle of the second step). */
    async emailOf(userId: number): Promise<string | null> {
      const user = await prisma.user.findUnique({
        where: { id: userId },
        select: { email: true, disabled: true },
      });
      return user && !user.disabled ? user.email : null;
    },
    retryAfterSeconds(email: string, address: string) {
      return throttle.retryAfterSeconds(email.trim().toLowerCase(), address);
    },
  };
}
export type SignInService = ReturnType<typeof createSignInService>;
