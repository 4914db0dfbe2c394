import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE_S_PATH } from './emulator-harness.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function runCli(args: string[]) {
  // As `npm run em-sim` runs it: one node process with tsx's loader, so signals reach it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // Listen from the start: a fast failure may exit before anyone awaits it.
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('CLI (CONTROL.md "Starting it")', () => {
  it('prints exactly one listening line, serves EM, and stops on SIGTERM', async () => {
    const run = runCli(['--port', '0', '--profile', '4.1', '--fixture', FIXTURE_S_PATH, '--clock', 'manual']);
    const line = await new Promise<string>((resolve, reject) => {
      run.child.stdout.on('data', () => {
        if (run.stdout().includes('\n')) resolve(run.stdout().trim());
      });
      void run.exited.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
    });
    const match = /^EM emulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    expect(match).not.toBeNull();
    const url = match?.[1] as string;
    const state = (await (await fetch(`${url}/__sim/state`)).json()) as { profile: string };
    expect(state.profile).toBe('4.1');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout().trim().split('\n')).toHaveLength(1);
  });

  it('bad flags print one stderr line and exit 2', async () => {
    const runs = [['--bogus'], ['--profile', '9.9'], ['--port', 'x'], ['--clock', 'sundial']].map(runCli);
    for (const run of runs) {
      expect(await run.exited).toBe(2);
      expect(run.stderr().trim().split('\n')).toHaveLength(1);
      expect(run.stdout()).toBe('');
    }
  });
});
