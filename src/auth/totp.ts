import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { authenticator } from 'otplib';
import type { PrismaClient } from '../db/database.js';
import { RoostError, msg } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { MINUTE_MS } from '../time/clock.js';

/**
 * Optional TOTP second factor for password sign-in (RFC 6238: 6 digits, 30 s steps, one step of
 * clock drift either way), with ten single-use recovery codes stored as SHA-256 hashes. An admin
 * can require it for staff roles (setting `auth.totpRequiredForStaff`); such a person is sent to
 * enrol before anything else. Codes are checked against Roost's clock, never the machine's.
 */
export const TOTP_ISSUER = 'Roost';
const RECOVERY_CODES = 10;
const POLICY_KEY = 'auth.totpRequiredForStaff';
/** How long the "password was right, now the code" step lasts. */
export const PENDING_TTL_MS = 5 * MINUTE_MS;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const normalCode = (code: string) => code.replace(/[\s-]/g, '').toLowerCase();

export function createTotp(deps: { prisma: PrismaClient; clock: Clock; secret: string }) {
  const { prisma, clock } = deps;
  const otp = () => authenticator.clone({ epoch: clock.now().getTime(), window: 1 });
  const sign = (text: string) =>
    createHmac('sha256', deps.secret).update(`roost-totp|${text}`).digest('base64url');

  async function checkCode(userId: number, code: string): Promise<boolean> {
    const user = await prisma.user.findUnique({
      where: { id: userId },
      select: { totpSecret: true, totpEnabledAt: true, totpRecoveryHashes: true },
    });
    if (!user?.totpSecret || !user.totpEnabledAt) return false;
    const typed = normalCode(code);
    if (/^\d{6}$/.test(typed)) return otp().check(typed, user.totpSecret);
    if (!/^[a-z0-9]{10}$/.test(typed)) return false;
    const hash = digest(typed);
    if (!user.totpRecoveryHashes.includes(hash)) return false;
    // A recovery code works once.
    await prisma.user.update({
      where: { id: userId },
      data: { totpRecoveryHashes: user.totpRecoveryHashes.filter((h) => h !== hash) },
    });
    return true;
  }

  return {
    /** A new secret and its otpauth:// URI (for the QR code or typing into an authenticator app). */
    newSecret(email: string) {
      const secret = authenticator.generateSecret(20);
      return { secret, uri: authenticator.keyuri(email, TOTP_ISSUER, secret) };
    },
    /** Turns TOTP on once the person proves their app shows the right code; answers recovery codes. */
    async enable(userId: number, secret: string, code: string): Promise<string[] | null> {
      if (!/^[A-Z2-7]{16,64}$/.test(secret) || !otp().check(normalCode(code), secret)) return null;
      const codes = Array.from({ length: RECOVERY_CODES }, () =>
        randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 10).toLowerCase().padEnd(10, '0'),
      );
      await prisma.user.update({
        where: { id: userId },
        data: { totpSecret: secret, totpEnabledAt: clock.now(), totpRecoveryHashes: codes.map(digest) },
      });
      return codes;
    },
    async disable(userId: number, code: string): Promise<boolean> {
      if (!(await checkCode(userId, code))) return false;
      await prisma.user.update({
        where: { id: userId },
        data: { totpSecret: null, totpEnabledAt: null, totpRecoveryHashes: [] },
      });
      return true;
    },
    checkCode,
    async status(userId: number) {
      const user = await prisma.user.findUniqueOrThrow({
        where: { id: userId },
        select: { totpEnabledAt: true, totpRecoveryHashes: true, role: true },
      });
      return {
        enabled: user.totpEnabledAt !== null,
        recoveryLeft: user.totpRecoveryHashes.length,
        required: user.role !== 'EMPLOYEE' && (await this.requiredForStaff()),
      };
    },
    async requiredForStaff(): Promise<boolean> {
      return (await prisma.setting.findUnique({ where: { key: POLICY_KEY } }))?.value === 'true';
    },
    async setRequiredForStaff(required: boolean): Promise<void> {
      await prisma.setting.upsert({
        where: { key: POLICY_KEY },
        create: { key: POLICY_KEY, value: String(required) },
        update: { value: String(required) },
      });
    },
    /** True when this person must enrol before using Roost (staff role, policy on, no TOTP yet). */
    async mustEnrol(user: { id: number; role: string }): Promise<boolean> {
      if (user.role === 'EMPLOYEE' || !(await this.requiredForStaff())) return false;
      const row = await prisma.user.findUnique({ where: { id: user.id }, select: { totpEnabledAt: true } });
      return row?.totpEnabledAt == null;
    },
    /** The signed value of the pending-second-factor cookie. */
    pendingToken(userId: number, next: string): string {
      const expires = clock.now().getTime() + PENDING_TTL_MS;
      const body = `${userId}.${expires}.${Buffer.from(next).toString('base64url')}`;
      return `${body}.${sign(body)}`;
    },
    /** The user and destination of a pending sign-in, or null when forged or expired. */
    readPending(token: string | undefined): { userId: number; next: string } | null {
      const m = token ? /^(\d{1,10})\.(\d{1,15})\.([\w-]{0,700})\.([\w-]{43})$/.exec(token) : null;
      if (!m) return null;
      const body = `${m[1]}.${m[2]}.${m[3]}`;
      const given = Buffer.from(m[4]!);
      const wanted = Buffer.from(sign(body));
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null;
      if (Number(m[2]) <= clock.now().getTime()) return null;
      return { userId: Number(m[1]), next: Buffer.from(m[3]!, 'base64url').toString('utf8') };
    },
  };
}
export type Totp = ReturnType<typeof createTotp>;

/** The second factor of POST /api/v1/tokens: the code in `totp` when the account uses one. */
export function apiSecondFactor(totp: Totp, signIn: { recordFailure(email: string, address: string): void }) {
  return async (
    user: { id: number; email: string; role: string; totpEnabled: boolean },
    code: string | undefined,
    address: string,
  ) => {
    if (user.totpEnabled) {
      if (code && (await totp.checkCode(user.id, code))) return;
      signIn.recordFailure(user.email, address);
      throw new RoostError('UNAUTHENTICATED', msg('problem.auth.totpCode'));
    }
    if (await totp.mustEnrol(user)) throw new RoostError('FORBIDDEN', msg('problem.auth.totpEnrol'));
  };
}
