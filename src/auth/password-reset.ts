import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { verifyPassword } from './passwords.js';
import { HOUR_MS, MINUTE_MS } from '../time/clock.js';

/** Forgotten-password links: single use, expiring after RESET_TTL_MS, only their hash stored. */
export const RESET_TTL_MS = 30 * MINUTE_MS;
/** Links one person may be sent per hour (a form anyone can fill in must not flood a mailbox). */
const MAX_PER_HOUR = 3;

export const MIN_PASSWORD = 12;
export const MAX_PASSWORD = 1024;

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** A problem with a new password, said in the person's language, or null. */
export function checkNewPassword(
  i18n: { t(key: string, params?: Record<string, string | number>): string },
  password: string,
  confirm: string,
): string | null {
  if (password !== confirm) return i18n.t('security.password.mismatch');
  if ([...password].length < MIN_PASSWORD || password.length > MAX_PASSWORD)
    return i18n.t('security.password.length', { min: MIN_PASSWORD });
  if (password.trim() === '') return i18n.t('security.password.length', { min: MIN_PASSWORD });
  return null;
}

export function createPasswordResets(deps: { prisma: PrismaClient; clock: Clock }) {
  const { prisma, clock } = deps;
  async function live(token: string) {
    if (!/^[\w-]{20,100}$/.test(token)) return null;
    const row = await prisma.passwordReset.findUnique({
      where: { tokenHash: digest(token) },
      include: { user: { select: { disabled: true } } },
    });
    if (!row || row.usedAt || row.expiresAt <= clock.now() || row.user.disabled) return null;
    return row;
  }
  return {
    /** A new link for an active account, or null (unknown, disabled, or too many this hour). */
    async issue(emailRaw: string) {
      const email = emailRaw.trim().toLowerCase();
      const user = await prisma.user.findUnique({ where: { email } });
      if (!user || user.disabled) return null;
      const recent = await prisma.passwordReset.count({
        where: { userId: user.id, createdAt: { gt: new Date(clock.now().getTime() - HOUR_MS) } },
      });
      if (recent >= MAX_PER_HOUR) return null;
      const token = randomBytes(32).toString('base64url');
      await prisma.passwordReset.create({
        data: {
          userId: user.id,
          tokenHash: digest(token),
          createdAt: clock.now(),
          expiresAt: new Date(clock.now().getTime() + RESET_TTL_MS),
        },
      });
      return { token, email: user.email, displayName: user.displayName, ttlMs: RESET_TTL_MS };
    },
    async check(token: string): Promise<boolean> {
      return (await live(token)) !== null;
    },
    /**
     * Sets the new password if the link still works, and spends it (and the person's other
     * links); signs the person out everywhere. False when the link is used, expired or unknown.
     */
    async use(token: string, passwordHash: string): Promise<boolean> {
      const row = await live(token);
      if (!row) return false;
      return prisma.$transaction(async (tx) => {
        const spent = await tx.passwordReset.updateMany({
          where: { id: row.id, usedAt: null },
          data: { usedAt: clock.now() },
        });
        if (spent.count !== 1) return false;
        await tx.passwordReset.updateMany({
          where: { userId: row.userId, usedAt: null },
          data: { usedAt: clock.now() },
        });
        await tx.user.update({
          where: { id: row.userId },
          data: { passwordHash, mustChangePassword: false },
        });
        await tx.session.deleteMany({ where: { userId: row.userId } });
        return true;
      });
    },
  };
}

/** Changing one's own password (the account page). */
export function createPasswordChange(deps: {
  prisma: PrismaClient;
  hash: (password: string) => Promise<string>;
}) {
  const { prisma } = deps;
  return {
    /**
     * Checks and sets a new password; answers the problem in the person's language, or null when
     * done. The current password is needed unless staff set it (`first`); other sessions end.
     */
    async change(
      i18n: { t(key: string, params?: Record<string, string | number>): string },
      input: {
        userId: number;
        keepSession: string | null;
        current: string;
        password: string;
        confirm: string;
      },
    ): Promise<string | null> {
      const row = await prisma.user.findUniqueOrThrow({ where: { id: input.userId } });
      if (!row.mustChangePassword && !(await verifyPassword(row.passwordHash, input.current)))
        return i18n.t('security.password.wrongCurrent');
      const problem = checkNewPassword(i18n, input.password, input.confirm);
      if (problem) return problem;
      if (await verifyPassword(row.passwordHash, input.password)) return i18n.t('security.password.same');
      await prisma.user.update({
        where: { id: row.id },
        data: { passwordHash: await deps.hash(input.password), mustChangePassword: false },
      });
      await prisma.session.deleteMany({
        where: { userId: row.id, ...(input.keepSession ? { id: { not: input.keepSession } } : {}) },
      });
      return null;
    },
  };
}
export type PasswordChange = ReturnType<typeof createPasswordChange>;
export type PasswordResets = ReturnType<typeof createPasswordResets>;
