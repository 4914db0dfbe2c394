import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The only reader of process.env. loadConfig validates every variable, reports all
 * problems at once (each naming the variable and what to fix), and returns a frozen
 * object that is passed to everything else.
 */
export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL URL; undefined means the embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  em: {
    /**
     * Base URL of a real EM service (its first node when ROOST_EM_URL lists several);
     * undefined means Roost starts its emulator.
     */
    url: string | undefined;
    /** Every node of the default cluster, in the order given by ROOST_EM_URL (empty: emulator). */
    nodeUrls: string[];
    appUser: string;
    appPassword: string;
    simPort: number;
    apiProfile: '4.1' | 'modern';
    maxConcurrentRequests: number;
  };
  /** Undefined until resolved by resolveSessionSecret for the embedded demo. */
  sessionSecret: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seed demo users (with the public demo password) into a served PostgreSQL. */
  seedDemo: boolean;
  schedulerEnabled: boolean;
  schedulerTickSeconds: number;
  /**
   * The address people and phones use to reach Roost (no trailing slash). Every absolute link
   * is built from it, never from the Host header.
   */
  publicUrl: string;
  /** ROOST_PUBLIC_URL is https: turns on HSTS, upgrade-insecure-requests and Secure cookies. */
  httpsPublicUrl: boolean;
  /** Serve Secure cookies (https ROOST_PUBLIC_URL, or ROOST_SECURE_COOKIES). */
  secureCookies: boolean;
  /** Fastify's trustProxy: false (default), true, a hop count, or addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Single sign-on through OpenID Connect; undefined when ROOST_OIDC_ISSUER is unset. */
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string;
        /** Redirect URI registered at the provider: publicUrl + /auth/oidc/callback. */
        redirectUri: string;
        emUserClaim: string;
        roleClaim: string;
        facilitiesGroups: string[];
        adminGroups: string[];
      }
    | undefined;
  /**
   * Group names that make a person facilities staff or an admin, for SSO's group claim and for
   * SCIM groups alike (SCIM may provision without SSO being set).
   */
  groupRoles: { facilitiesGroups: string[]; adminGroups: string[] };
  /** false hides password sign-in for everyone but admins (break-glass) once SSO is set. */
  passwordSignin: boolean;
  /** Bearer token of /scim/v2; undefined = SCIM off. */
  scimToken: string | undefined;
  /** Host names or CIDRs that webhook endpoints may use although they are private/loopback. */
  webhookAllowedHosts: string[];
  /** SMTP server for email notices (smtp:// or smtps://, may carry credentials); undefined = no email. */
  smtpUrl: string | undefined;
  /** The From address of email notices. */
  mailFrom: string;
}

/** Field paths whose values must never be logged; fed to pino's redaction. */
export const secretConfigPaths = [
  'em.appPassword',
  'sessionSecret',
  'databaseUrl',
  'smtpUrl',
  'oidc.clientSecret',
  'scimToken',
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Roost cannot start: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEMO_EM_APP_USER = 'roost-em';
export const DEMO_EM_APP_PASSWORD = 'roost-em-demo';

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const problems: string[] = [];
  const str = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || +raw < min || +raw > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return Number(raw);
  };
  const bool = (name: string, fallback: boolean) => {
    const raw = str(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[]) => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
      return raw.replace(/\/+$/, '');
    } catch {
      // Never echo a URL that may carry a password.
      problems.push(`${name} must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL`);
      return undefined;
    }
  };

  const list = (name: string) =>
    (str(name) ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const urlList = (name: string, protocols: string[]) => {
    const items = list(name);
    const urls: string[] = [];
    for (const [i, raw] of items.entries()) {
      try {
        const u = new URL(raw);
        if (!protocols.includes(u.protocol)) throw new Error('protocol');
        urls.push(raw.replace(/\/+$/, ''));
      } catch {
        problems.push(
          `${name} must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL, or a comma-separated list of them (item ${i + 1} is not)`,
        );
      }
    }
    return urls;
  };
  const trustProxy = (): Config['trustProxy'] => {
    const raw = str('ROOST_TRUST_PROXY');
    if (raw === undefined || ['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
    if (['true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (/^\d+$/.test(raw)) return Number(raw);
    const items = list('ROOST_TRUST_PROXY');
    const bad = items.filter(
      (v) => !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(v) && !['loopback', 'linklocal', 'uniquelocal'].includes(v),
    );
    if (bad.length > 0) {
      problems.push(
        `ROOST_TRUST_PROXY must be true, a hop count, or comma-separated addresses/CIDRs (not "${bad.join(', ')}")`,
      );
      return false;
    }
    return items;
  };

  const logLevel = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const apiProfile = str('ROOST_EM_PROFILE') ?? '4.1';
  if (apiProfile !== '4.1' && apiProfile !== 'modern') {
    problems.push(`ROOST_EM_PROFILE must be 4.1 or modern (got "${apiProfile}")`);
  }
  const emNodeUrls = urlList('ROOST_EM_URL', ['http:', 'https:']);
  const emUrl = emNodeUrls[0];
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const sessionSecret = str('SESSION_SECRET');
  const smtpUrl = url('ROOST_SMTP_URL', ['smtp:', 'smtps:']);
  const mailFrom = str('ROOST_MAIL_FROM') ?? 'Roost <roost@localhost>';
  if (!/^[^\r\n]*[^\s@<>]+@[^\s@<>]+[^\r\n]*$/.test(mailFrom)) {
    problems.push(
      `ROOST_MAIL_FROM must be an email address, e.g. "Roost <roost@example.com>" (got "${mailFrom}")`,
    );
  }
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    problems.push('SESSION_SECRET must be at least 32 characters (try: openssl rand -hex 32)');
  }
  if (sessionSecret === undefined && databaseUrl !== undefined) {
    problems.push('SESSION_SECRET is required when DATABASE_URL is set (try: openssl rand -hex 32)');
  }
  if (
    emUrl !== undefined &&
    (str('ROOST_EM_APP_USER') === undefined || str('ROOST_EM_APP_PASSWORD') === undefined)
  ) {
    problems.push('ROOST_EM_APP_USER and ROOST_EM_APP_PASSWORD are required when ROOST_EM_URL is set');
  }

  const port = int('PORT', 3000, 0, 65535);
  const publicUrl = url('ROOST_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`;
  const httpsPublicUrl = publicUrl.startsWith('https:');
  const oidcIssuer = url('ROOST_OIDC_ISSUER', ['http:', 'https:']);
  const oidcClientId = str('ROOST_OIDC_CLIENT_ID');
  const oidcClientSecret = str('ROOST_OIDC_CLIENT_SECRET');
  if (oidcIssuer !== undefined && (oidcClientId === undefined || oidcClientSecret === undefined)) {
    problems.push(
      'ROOST_OIDC_CLIENT_ID and ROOST_OIDC_CLIENT_SECRET are required when ROOST_OIDC_ISSUER is set',
    );
  }
  const passwordSignin = bool('ROOST_PASSWORD_SIGNIN', true);
  if (!passwordSignin && oidcIssuer === undefined) {
    problems.push('ROOST_PASSWORD_SIGNIN=false needs single sign-on: set ROOST_OIDC_ISSUER too');
  }
  const scimToken = str('ROOST_SCIM_TOKEN');
  if (scimToken !== undefined && scimToken.length < 32) {
    problems.push('ROOST_SCIM_TOKEN must be at least 32 characters (try: openssl rand -hex 32)');
  }

  const config: Config = {
    port,
    host: str('HOST') ?? '127.0.0.1',
    databaseUrl,
    dataDir: path.resolve(str('ROOST_DATA_DIR') ?? './data'),
    em: {
      url: emUrl,
      nodeUrls: emNodeUrls,
      appUser: str('ROOST_EM_APP_USER') ?? DEMO_EM_APP_USER,
      appPassword: str('ROOST_EM_APP_PASSWORD') ?? DEMO_EM_APP_PASSWORD,
      simPort: int('ROOST_EM_SIM_PORT', 8090, 0, 65535),
      apiProfile: apiProfile === 'modern' ? 'modern' : '4.1',
      maxConcurrentRequests: int('ROOST_EM_MAX_CONCURRENT', 5, 1, 100),
    },
    sessionSecret,
    logLevel: logLevel as Config['logLevel'],
    seedDemo: bool('ROOST_SEED_DEMO', databaseUrl === undefined),
    schedulerEnabled: bool('ROOST_SCHEDULER', true),
    schedulerTickSeconds: int('ROOST_SCHEDULER_TICK_SECONDS', 2, 1, 59),
    publicUrl,
    httpsPublicUrl,
    secureCookies: bool('ROOST_SECURE_COOKIES', httpsPublicUrl),
    trustProxy: trustProxy(),
    oidc:
      oidcIssuer !== undefined && oidcClientId !== undefined && oidcClientSecret !== undefined
        ? {
            issuer: oidcIssuer,
            clientId: oidcClientId,
            clientSecret: oidcClientSecret,
            redirectUri: `${publicUrl}/auth/oidc/callback`,
            emUserClaim: str('ROOST_OIDC_EM_USER_CLAIM') ?? 'preferred_username',
            roleClaim: str('ROOST_OIDC_ROLE_CLAIM') ?? 'groups',
            facilitiesGroups: list('ROOST_OIDC_FACILITIES_GROUPS'),
            adminGroups: list('ROOST_OIDC_ADMIN_GROUPS'),
          }
        : undefined,
    groupRoles: {
      facilitiesGroups: list('ROOST_OIDC_FACILITIES_GROUPS'),
      adminGroups: list('ROOST_OIDC_ADMIN_GROUPS'),
    },
    passwordSignin,
    scimToken,
    webhookAllowedHosts: list('ROOST_WEBHOOK_ALLOWED_HOSTS'),
    smtpUrl,
    mailFrom,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/**
 * The embedded demo keeps a generated session secret in its data folder so sessions
 * survive a restart; a served deployment must set SESSION_SECRET (loadConfig insists).
 */
export function resolveSessionSecret(config: Readonly<Config>): Readonly<Config> {
  if (config.sessionSecret) return config;
  const file = path.join(config.dataDir, 'session-secret');
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    secret = randomBytes(32).toString('hex');
    writeFileSync(file, secret, { mode: 0o600 });
  }
  return Object.freeze({ ...config, sessionSecret: secret });
}

/**
 * Resolves an EmCluster.secretRef. Only `env:ROOST_EM_APP_PASSWORD` is known: the database
 * names where the password is, never the password, and this module stays the only reader of the
 * environment (the value was read by loadConfig).
 */
export function resolveSecret(config: Readonly<Config>, ref: string): string {
  if (ref === 'env:ROOST_EM_APP_PASSWORD') return config.em.appPassword;
  throw new ConfigError([
    `unsupported secret reference "${ref}": only env:ROOST_EM_APP_PASSWORD is available; fix the EM cluster's secretRef`,
  ]);
}
