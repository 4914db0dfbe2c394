import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, resolveSessionSecret } from '../src/config.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('gives a new user working defaults: PGlite in ./data, the emulator, port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      logLevel: 'info',
      seedDemo: true,
    });
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.em.url).toBeUndefined();
    expect(config.em.simPort).toBe(8090);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names the variable and what is wrong', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual(['PORT must be a whole number from 0 to 65535 (got "abc")']);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT must be/);
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL must be one of/);
    expect(problemsOf({ ROOST_EM_URL: 'ftp://x' })[0]).toMatch(
      /^ROOST_EM_URL must be a http:\/\/ or https:\/\/ URL/,
    );
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: 'x', ROOST_EM_SIM_PORT: '-1', LOG_LEVEL: 'nope' })).toHaveLength(3);
  });

  it('never echoes a database URL that may carry a password', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://u:hunter2@db/x', SESSION_SECRET: 'x'.repeat(32) });
    expect(problems.join(' ')).not.toContain('hunter2');
    expect(problems[0]).toMatch(/^DATABASE_URL must be a postgres/);
  });

  it('requires a session secret and real EM credentials outside the embedded demo', () => {
    expect(problemsOf({ DATABASE_URL: 'postgres://db/roost' })[0]).toMatch(/^SESSION_SECRET is required/);
    expect(problemsOf({ ROOST_EM_URL: 'https://cucm.example.com:8443' })[0]).toMatch(
      /ROOST_EM_APP_USER and ROOST_EM_APP_PASSWORD are required/,
    );
    expect(problemsOf({ SESSION_SECRET: 'short' })[0]).toMatch(/at least 32 characters/);
  });

  it('does not seed demo users into a served PostgreSQL unless asked', () => {
    const secret = 's'.repeat(32);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/roost', SESSION_SECRET: secret }).seedDemo).toBe(false);
    expect(
      loadConfig({ DATABASE_URL: 'postgres://db/roost', SESSION_SECRET: secret, ROOST_SEED_DEMO: 'true' })
        .seedDemo,
    ).toBe(true);
  });

  it("keeps the embedded demo's generated session secret across restarts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'roost-config-'));
    const first = resolveSessionSecret(loadConfig({ ROOST_DATA_DIR: dir }));
    const second = resolveSessionSecret(loadConfig({ ROOST_DATA_DIR: dir }));
    expect(first.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(second.sessionSecret).toBe(first.sessionSecret);
    expect(readFileSync(path.join(dir, 'session-secret'), 'utf8')).toBe(first.sessionSecret);
  });

  it('reads an EM node list, the public URL, proxy trust and single sign-on as CONTRACT.md names them', () => {
    const config = loadConfig({
      ROOST_EM_URL: 'https://cucm1:8443, https://cucm2:8443/',
      ROOST_EM_APP_USER: 'app',
      ROOST_EM_APP_PASSWORD: 'pw',
      ROOST_PUBLIC_URL: 'https://roost.example.com/',
      ROOST_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      ROOST_OIDC_ISSUER: 'https://login.example.com/realm',
      ROOST_OIDC_CLIENT_ID: 'roost',
      ROOST_OIDC_CLIENT_SECRET: 's3cret',
      ROOST_OIDC_ADMIN_GROUPS: 'IT Admins, Roost Admins',
      ROOST_WEBHOOK_ALLOWED_HOSTS: 'hooks.corp.lan,10.1.0.0/16',
    });
    expect(config.em.nodeUrls).toEqual(['https://cucm1:8443', 'https://cucm2:8443']);
    expect(config.em.url).toBe('https://cucm1:8443');
    expect(config.publicUrl).toBe('https://roost.example.com');
    expect(config.httpsPublicUrl).toBe(true);
    expect(config.secureCookies).toBe(true);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.oidc).toMatchObject({
      redirectUri: 'https://roost.example.com/auth/oidc/callback',
      emUserClaim: 'preferred_username',
      roleClaim: 'groups',
      adminGroups: ['IT Admins', 'Roost Admins'],
      facilitiesGroups: [],
    });
    expect(config.webhookAllowedHosts).toEqual(['hooks.corp.lan', '10.1.0.0/16']);
    // SCIM groups give roles from the same lists, with or without single sign-on.
    expect(config.groupRoles).toEqual({ facilitiesGroups: [], adminGroups: ['IT Admins', 'Roost Admins'] });
    expect(loadConfig({ ROOST_OIDC_FACILITIES_GROUPS: 'Facilities' }).groupRoles.facilitiesGroups).toEqual([
      'Facilities',
    ]);
  });

  it('defaults to a plain-HTTP public URL on the port, trusting no proxy', () => {
    const config = loadConfig({ PORT: '3100' });
    expect(config.publicUrl).toBe('http://localhost:3100');
    expect(config.httpsPublicUrl).toBe(false);
    expect(config.secureCookies).toBe(false);
    expect(config.trustProxy).toBe(false);
    expect(config.oidc).toBeUndefined();
    expect(loadConfig({ ROOST_TRUST_PROXY: '2' }).trustProxy).toBe(2);
  });

  it('explains a bad node list, proxy setting or half-configured sign-on', () => {
    const problems = problemsOf({
      ROOST_EM_URL: 'https://cucm1:8443,ftp://cucm2',
      ROOST_EM_APP_USER: 'app',
      ROOST_EM_APP_PASSWORD: 'pw',
      ROOST_TRUST_PROXY: 'proxy.corp',
      ROOST_OIDC_ISSUER: 'https://login.example.com',
      ROOST_PASSWORD_SIGNIN: 'false',
      ROOST_SCIM_TOKEN: 'short',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'ROOST_EM_URL must be a http:// or https:// URL, or a comma-separated list of them (item 2',
        ),
        expect.stringContaining('ROOST_TRUST_PROXY must be true'),
        expect.stringContaining('ROOST_OIDC_CLIENT_ID and ROOST_OIDC_CLIENT_SECRET are required'),
        expect.stringContaining('ROOST_SCIM_TOKEN must be at least 32 characters'),
      ]),
    );
    expect(problemsOf({ ROOST_PASSWORD_SIGNIN: 'false' })).toEqual([
      expect.stringContaining('ROOST_PASSWORD_SIGNIN=false needs single sign-on'),
    ]);
  });
});
