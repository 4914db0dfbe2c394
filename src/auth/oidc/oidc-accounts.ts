import { recordAudit, type Actor } from '../../audit/audit-log.js';
import type { PrismaClient } from '../../db/database.js';
import type { Clock } from '../../time/clock.js';
import { groupsFromClaim, mapsRoles, roleFromGroups } from './group-roles.js';
import { OidcSignInError, type Claims, type OidcConfig } from './oidc-client.js';

/**
 * Accounts made by single sign-on or SCIM have no password: this is not an argon2 hash, so
 * no password ever verifies against it (verifyPassword answers false for a malformed hash).
 */
export const NO_PASSWORD = '!sso-or-scim:no-password';

const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Email verified per the provider: `email_verified` (true or "true"), or Entra ID's `xms_edov`. */
export function emailVerified(claims: Claims): boolean {
  const flag = (v: unknown) => v === true || v === 'true';
  return flag(claims.email_verified) || flag(claims.xms_edov);
}

export interface SsoPerson {
  id: number;
  email: string;
  role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
}

/**
 * The person behind a single sign-on: found by the provider's subject; else an existing
 * account with the same email, linked only when the provider says the email is verified;
 * else a new account (email, name, EM user ID from the configured claim, role from groups).
 * Every sign-in updates name, email, EM user ID and (when group lists are configured) role.
 */
export async function personFromClaims(
  prisma: PrismaClient,
  oidc: OidcConfig,
  claims: Claims,
  clock: Clock,
): Promise<SsoPerson> {
  const email = str(claims.email)?.toLowerCase();
  if (!email || email.length > 320 || !email.includes('@')) {
    throw new OidcSignInError(
      `no email claim for subject ${claims.sub}`,
      'Your identity provider did not send an email address for you, so Roost cannot sign you in. Ask your administrator to release the "email" claim to Roost.',
      { status: 403 },
    );
  }
  const givenFamily = [str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ');
  const displayName = (str(claims.name) ?? (givenFamily || email)).slice(0, 200);
  const emUserId = str(claims[oidc.emUserClaim])?.slice(0, 128);
  const groups = groupsFromClaim(claims[oidc.roleClaim]);
  const role = roleFromGroups(groups, oidc);
  const now = clock.now();
  const actor: Actor = { id: null, label: 'sso' };

  return prisma.$transaction(async (tx) => {
    let user = await tx.user.findUnique({ where: { oidcSubject: claims.sub } });
    let event: 'user.sso-created' | 'user.sso-linked' | null = null;
    if (!user) {
      const byEmail = await tx.user.findUnique({ where: { email } });
      if (byEmail) {
        if (byEmail.oidcSubject !== null || !emailVerified(claims)) {
          throw new OidcSignInError(
            `email ${email} not linked: ${byEmail.oidcSubject !== null ? 'other subject' : 'email not verified'}`,
            'A Roost account with your email address already exists, but your identity provider has not confirmed that this address is yours, so Roost will not link them. Ask your administrator.',
            { status: 403 },
          );
        }
        user = byEmail;
        event = 'user.sso-linked';
      }
    }
    const emClash = emUserId
      ? await tx.user.findFirst({ where: { emUserId, ...(user ? { id: { not: user.id } } : {}) } })
      : null;
    const emField = emUserId && !emClash ? { emUserId } : {};
    if (!user) {
      user = await tx.user.create({
        data: { email, displayName, role, passwordHash: NO_PASSWORD, oidcSubject: claims.sub, ...emField },
      });
      event = 'user.sso-created';
    } else {
      if (user.disabled) {
        throw new OidcSignInError(
          `account ${user.id} is disabled`,
          'Your Roost account is disabled. Ask your administrator.',
          { status: 403 },
        );
      }
      const emailFree =
        email === user.email || !(await tx.user.findUnique({ where: { email }, select: { id: true } }));
      const before = {
        email: user.email,
        displayName: user.displayName,
        emUserId: user.emUserId,
        role: user.role,
      };
      user = await tx.user.update({
        where: { id: user.id },
        data: {
          oidcSubject: claims.sub,
          displayName,
          ...(emailFree ? { email } : {}),
          ...emField,
          // Without group lists, roles stay whatever staff set.
          ...(mapsRoles(oidc) ? { role } : {}),
        },
      });
      const after = {
        email: user.email,
        displayName: user.displayName,
        emUserId: user.emUserId,
        role: user.role,
      };
      if (event === null && JSON.stringify(before) !== JSON.stringify(after)) {
        await recordAudit(
          tx,
          actor,
          { action: 'user.sso-updated', subjectType: 'user', subjectId: user.id, details: { before, after } },
          now,
        );
      }
    }
    if (event) {
      await recordAudit(
        tx,
        actor,
        {
          action: event,
          subjectType: 'user',
          subjectId: user.id,
          details: { email: user.email, role: user.role, emUserId: user.emUserId, groups },
        },
        now,
      );
    }
    return { id: user.id, email: user.email, role: user.role };
  }, TX_OPTIONS);
}
