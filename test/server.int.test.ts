import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` as a real child process: what a new user does on a fresh clone.
 */
const root = path.resolve(import.meta.dirname, '..');
// As `npm start` runs it: TypeScript through tsx's loader in one node process, so
// signals reach Roost itself (no launcher in between).
const node = process.execPath;
const startArgs = ['--import', 'tsx', 'src/server.ts'];
const baseEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  LOG_LEVEL: 'info',
  ROOST_EM_SIM_PORT: '0',
  PORT: '0',
};

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(node, startArgs, {
    cwd: root,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    // Generous: a loaded CI machine is slow; timing is the benchmarks' business, not the tests'.
    const timer = setTimeout(() => reject(new Error(`Roost did not start within 120 s:\n${out}`)), 120_000);
    const onData = () => {
      // Fastify's own line; the emulator's carries module "emulator".
      const m = out
        .split('\n')
        .find((l) => l.includes('Server listening at') && !l.includes('"module":"emulator"'));
      const url = m ? /Server listening at (http:\/\/[\d.:]+)/.exec(m)?.[1] : undefined;
      if (url) {
        clearTimeout(timer);
        resolve({ child, url, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Roost exited with ${code} before listening:\n${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'roost-start-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('npm start on the embedded database', () => {
  it('serves the home page and is ready, keeps its data in ROOST_DATA_DIR across restarts, and stops cleanly', async () => {
    const dataDir = tempDir();
    const first = await start({ ROOST_DATA_DIR: dataDir });
    try {
      const ready = await fetch(`${first.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite' });
      const home = await fetch(first.url, { headers: { accept: 'text/html' } });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('Roost');
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      expect(existsSync(path.join(dataDir, 'pglite'))).toBe(true);
      // Each request carries an id; logs are structured JSON.
      expect(home.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }
    expect(first.output()).toContain('"msg":"demo data loaded"');

    // A token issued before the restart still works after it: the data is kept and not re-seeded.
    const second = await start({ ROOST_DATA_DIR: dataDir });
    try {
      const res = await fetch(`${second.url}/api/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@roost.example', password: 'roost-demo' }),
      });
      expect(res.status).toBe(201);
      expect(second.output()).not.toContain('"msg":"demo data loaded"');
      expect(second.output()).toContain('database schema is current');
      // The password never reaches a log line.
      expect(second.output()).not.toContain('roost-demo');
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  }, 300_000);
});

describe('a bad configuration stops start-up with one clear line', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(node, startArgs, {
      cwd: root,
      env: { ...baseEnv, ROOST_DATA_DIR: tempDir(), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('PORT=abc', () => {
    const result = run({ PORT: 'abc' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Roost cannot start: PORT must be a whole number from 0 to 65535 (got "abc")',
    ]);
  });

  it('an unreachable DATABASE_URL', () => {
    const result = run({
      DATABASE_URL: 'postgres://roost:secret@127.0.0.1:9/roost',
      SESSION_SECRET: 'x'.repeat(40),
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Roost cannot start: cannot reach the database at postgres:\/\/roost:\*\*\*@127\.0\.0\.1:9\/roost .*check DATABASE_URL/,
    );
    expect(result.stderr).not.toContain('secret');
  });
});

describe('npm run db:migrate', () => {
  it('applies the migrations once, then says the database is current and changes nothing', () => {
    const env = { ...baseEnv, ROOST_DATA_DIR: tempDir() };
    const first = spawnSync(node, ['--import', 'tsx', 'src/db/cli.ts', 'migrate'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/Applied \d+ migration\(s\)/);
    const second = spawnSync(node, ['--import', 'tsx', 'src/db/cli.ts', 'migrate'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/is up to date: no migrations to apply/);
  }, 60_000);
});
