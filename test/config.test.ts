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
});
