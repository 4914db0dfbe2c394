import { createHash, randomBytes } from 'node:crypto';
import { Db, type Database } from '../db/database.js';
import type { Clock } from '../time/clock.js';
import { HOUR_MS, MINUTE_MS } from '../time/clock.js';

export const SESSION_COOKIE = 'roost_session';
export const SESSION_TTL_MS = 12 * HOUR_MS;

export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
  homeSiteId: number | null;
  /** The person's language setting ("en", "de"), or null to follow the browser. */
  language: string | null;
  /** Staff set or imported the password: the person must choose their own first (issue 18). */
  mustChangePassword: boolean;
}

/**
 * The person behind a session or token, as every request asks for it: plain SQL (db/sql.ts),
 * since each API request and page view pays for this lookup before anything else.
 */
const userColumns = Db.Prisma.sql`u."id", u."email", u."displayName", u."role"::text AS "role",
  u."homeSiteId", u."language", u."mustChangePassword", u."disabled"`;
type UserRow = SessionUser & { disabled: boolean };
const signedIn = ({ disabled: _disabled, ...user }: UserRow): SessionUser => user;

// Only a hash of the session token is stored: a copy of the database does not let
// anyone sign in as the users in it.
const digest = (token: string) => createHash('sha256').update(token).digest('hex');
/** The stored id of a session token (what CSRF tokens are bound to). */
export const sessionKeyOf = digest;

type Store = Pick<Database, 'prisma' | 'sql'>;

export function createSessionStore({ prisma, sql }: Store, clock: Clock) {
  return {
    /** A brand-new session (a new id at every sign-in prevents session fixation). */
    async create(
      userId: number,
      extra: { oidcIdToken?: string } = {},
    ): Promise<{ token: string; expiresAt: Date }> {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock.now().getTime() + SESSION_TTL_MS);
      await prisma.session.create({
        data: { id: digest(token), userId, expiresAt, oidcIdToken: extra.oidcIdToken ?? null },
      });
      // Housekeeping on sign-in keeps the table small without a separate job.
      await prisma.session.deleteMany({ where: { expiresAt: { lt: clock.now() } } });
      return { token, expiresAt };
    },
    async lookup(token: string): Promise<SessionUser | null> {
      if (!token || token.length > 100) return null;
      const [row] = await sql.rows<UserRow & { expiresAt: Date }>(Db.Prisma.sql`
        SELECT ${userColumns}, s."expiresAt"
        FROM "Session" s JOIN "User" u ON u."id" = s."userId"
        WHERE s."id" = ${digest(token)}`);
      if (!row || row.expiresAt <= clock.now() || row.disabled) return null;
      const { expiresAt: _expiresAt, ...user } = row;
      return signedIn(user);
    },
    /** The ID token a single sign-on session started with (for the provider's sign-out), else null. */
    async oidcIdTokenOf(token: string): Promise<string | null> {
      if (!token || token.length > 100) return null;
      const row = await prisma.session.findUnique({
        where: { id: digest(token) },
        select: { oidcIdToken: true },
      });
      return row?.oidcIdToken ?? null;
    },
    async destroy(token: string): Promise<void> {
      await prisma.session.deleteMany({ where: { id: digest(token) } });
    },
    async destroyAllFor(userId: number): Promise<void> {
      await prisma.session.deleteMany({ where: { userId } });
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;

/** What a person sees of one of their API tokens (never the token itself). */
export interface ApiTokenInfo {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** How stale a token's lastUsedAt may be before a request writes it again. */
const LAST_USED_PRECISION_MS = MINUTE_MS;

const tokenInfoSelect = { id: true, name: true, createdAt: true, lastUsedAt: true, expiresAt: true } as const;

export function createApiTokenStore({ prisma, sql }: Store, clock: Clock) {
  /** Tokens that still work: not revoked, not expired. */
  const live = () => ({ revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: clock.now() } }] });
  return {
    async issue(userId: number, options: { name?: string; expiresAt?: Date | null } = {}): Promise<string> {
      return (await this.create(userId, options)).token;
    },
    /** A new token, named, with an optional expiry; the token is shown once and only its hash kept. */
    async create(
      userId: number,
      options: { name?: string; expiresAt?: Date | null } = {},
    ): Promise<{ token: string; info: ApiTokenInfo }> {
      const token = `roost_${randomBytes(32).toString('base64url')}`;
      const info = await prisma.apiToken.create({
        data: {
          userId,
          tokenHash: digest(token),
          name: options.name?.trim() ?? '',
          expiresAt: options.expiresAt ?? null,
        },
        select: tokenInfoSelect,
      });
      return { token, info };
    },
    async lookup(token: string): Promise<SessionUser | null> {
      if (!token.startsWith('roost_') || token.length > 100) return null;
      const [row] = await sql.rows<
        UserRow & { tokenId: number; revokedAt: Date | null; expiresAt: Date | null; lastUsedAt: Date | null }
      >(Db.Prisma.sql`
        SELECT ${userColumns}, t."id" AS "tokenId", t."revokedAt", t."expiresAt", t."lastUsedAt"
        FROM "ApiToken" t JOIN "User" u ON u."id" = t."userId"
        WHERE t."tokenHash" = ${digest(token)}`);
      if (!row || row.revokedAt || row.disabled) return null;
      if (row.expiresAt && row.expiresAt <= clock.now()) return null;
      // "Last used" is shown to the day: one write a minute per token is plenty, and a script
      // sending many requests does not pay a committed write for each.
      const now = clock.now();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS)
        await sql.rows(
          Db.Prisma.sql`UPDATE "ApiToken" SET "lastUsedAt" = ${now}::timestamptz WHERE "id" = ${row.tokenId}`,
        );
      const { tokenId: _id, revokedAt: _revoked, expiresAt: _expires, lastUsedAt: _used, ...user } = row;
      return signedIn(user);
    },
    /** A person's working tokens, newest first. */
    async list(userId: number): Promise<ApiTokenInfo[]> {
      return prisma.apiToken.findMany({
        where: { userId, ...live() },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        select: tokenInfoSelect,
      });
    },
    /** Revokes one of the person's own tokens; false when they have no such working token. */
    async revokeById(userId: number, id: number): Promise<boolean> {
      const { count } = await prisma.apiToken.updateMany({
        where: { id, userId, ...live() },
        data: { revokedAt: clock.now() },
      });
      return count > 0;
    },
    async revoke(token: string): Promise<void> {
      await prisma.apiToken.updateMany({
        where: { tokenHash: digest(token) },
        data: { revokedAt: clock.now() },
      });
    },
  };
}
export type ApiTokenStore = ReturnType<typeof createApiTokenStore>;
