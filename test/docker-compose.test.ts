import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

// No Docker engine runs here, so the file is checked for what it must contain.
const root = path.resolve(import.meta.dirname, '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      ports?: string[];
      environment?: Record<string, string>;
      healthcheck?: { test: string[] };
      depends_on?: Record<string, { condition: string }>;
      volumes?: string[];
    }
  >;
  volumes: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  it('runs Roost, PostgreSQL and the EM emulator, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['em-emulator', 'postgres', 'roost']);
    for (const service of Object.values(compose.services))
      expect(service.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('keeps the database on a named volume', () => {
    const volume = compose.services.postgres!.volumes!.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(volume).toBeDefined();
    expect(compose.volumes).toHaveProperty(volume!.split(':')[0]!);
  });

  it('publishes Roost on 3000 and the emulator on 8090, and waits for healthy dependencies', () => {
    expect(compose.services.roost!.ports).toContain('3000:3000');
    expect(compose.services['em-emulator']!.ports).toContain('8090:8090');
    expect(compose.services.roost!.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      'em-emulator': { condition: 'service_healthy' },
    });
    expect(compose.services['em-emulator']!.command).toEqual(
      expect.arrayContaining(['dist/emulator/cli.js', '--port', '8090']),
    );
    // The production image holds compiled JavaScript and no tsx.
    expect(compose.services['em-emulator']!.command![0]).toBe('node');
  });

  it('gives Roost an environment its own config accepts, pointing at the other services', () => {
    const env = compose.services.roost!.environment!;
    expect(env.HOST).toBe('0.0.0.0');
    expect(new URL(env.DATABASE_URL!).hostname).toBe('postgres');
    expect(new URL(env.ROOST_EM_URL!).host).toBe('em-emulator:8090');
    const config = loadConfig(env);
    expect(config.databaseUrl).toBeDefined();
    expect(config.em.url).toBe('http://em-emulator:8090');
    // Plain http by default: no HSTS or upgrade-insecure-requests for a LAN install.
    expect(config.publicUrl).toMatch(/^http:\/\//);
    expect(config.httpsPublicUrl).toBe(false);
  });
});
