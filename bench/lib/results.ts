// Where benchmark results go and what every result file records about its run.
//
// Full runs write bench/results/<name>.json: the reference figures the README's tables are
// generated from (`npm run bench:readme`). `--quick` runs write bench/results/quick/<name>.json,
// a git-ignored folder, so a smoke run never replaces the reference figures.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const resultsRoot = path.resolve(import.meta.dirname, '../results');

/** True when this benchmark process was started with --quick. */
export const isQuick = (argv = process.argv) => argv.includes('--quick');

/** bench/results/ for full runs, bench/results/quick/ for --quick runs. */
export const resultsDir = (quick = isQuick()) => (quick ? path.join(resultsRoot, 'quick') : resultsRoot);

/** The `run` block of a result file: when, where and with which parameters it was made. */
export interface RunInfo {
  /** When the benchmark started and finished (ISO 8601, UTC). */
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'quick';
  /** The command line, e.g. `bench/booking.ts --quick`. */
  command: string;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    platform: string;
    /** os.loadavg(): 1, 5 and 15 minutes. */
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  node: string;
  /** e.g. `PGlite (in memory)` or `PostgreSQL 16.4`. */
  database: string | null;
  parameters: Record<string, unknown>;
}

const load = () => os.loadavg().map((n) => Math.round(n * 100) / 100);
// Taken when the benchmark's process loads this module, i.e. at its start.
const startedAt = new Date().toISOString();
const loadAtStart = load();

export function runInfo(opts: { database: string | null; parameters: Record<string, unknown> }): RunInfo {
  const cpus = os.cpus();
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    mode: isQuick() ? 'quick' : 'full',
    command: [
      path.relative(path.resolve(resultsRoot, '../..'), process.argv[1] ?? ''),
      ...process.argv.slice(2),
    ]
      .join(' ')
      .trim(),
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: load(),
    },
    node: process.version,
    database: opts.database,
    parameters: opts.parameters,
  };
}

/**
 * Writes `<name>.json` into resultsDir() with a `run` block first (see RunInfo), and returns
 * the path written.
 */
export function writeResult(
  name: string,
  result: Record<string, unknown>,
  opts: { database: string | null; parameters?: Record<string, unknown> },
): string {
  const parameters = opts.parameters ?? (result.parameters as Record<string, unknown> | undefined) ?? {};
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const { run: _ignored, ...rest } = result;
  writeFileSync(
    file,
    `${JSON.stringify({ run: runInfo({ database: opts.database, parameters }), ...rest }, null, 2)}\n`,
  );
  return file;
}
