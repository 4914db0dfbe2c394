import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  README_RESULT_FILES,
  loadResults,
  renderBenchBlocks,
  renderReadme,
} from '../../bench/lib/readme-tables.js';
import { resultsDir, resultsRoot } from '../../bench/lib/results.js';

const root = path.resolve(import.meta.dirname, '../..');
const readmePath = path.join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');

describe("the README's benchmark tables", () => {
  it('are exactly what `npm run bench:readme` renders from bench/results/*.json', async () => {
    const rendered = await renderReadme(readme, loadResults(), readmePath);
    // On failure: run `npm run bench:readme` and commit README.md with the result files.
    expect(rendered).toBe(readme);
  });

  it('change when a stored figure changes', async () => {
    const results = structuredClone(loadResults());
    (results.booking as unknown as { figures: { booking: { p95Ms: number } } }).figures.booking.p95Ms =
      123.45;
    const blocks = renderBenchBlocks(results);
    expect(blocks.booking).toContain('123.45');
    expect(blocks.booking).toContain('< 100 ms: missed');
    expect(await renderReadme(readme, results, readmePath)).not.toBe(readme);
  });

  it('refuse a README without a block for every table', async () => {
    const withoutOne = readme.replace(/<!-- bench:booking -->[\s\S]*?<!-- \/bench:booking -->/, '');
    await expect(renderReadme(withoutOne, loadResults(), readmePath)).rejects.toThrow(/bench:booking/);
  });
});

describe('benchmark result files', () => {
  it('each record when, where and with which parameters they were made, from a full run', () => {
    const results = loadResults();
    for (const name of README_RESULT_FILES) {
      const { run } = results[name];
      expect(run, name).toBeDefined();
      expect(run.mode, name).toBe('full');
      expect(run.finishedAt ?? run.committedAt, name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      expect(run.machine?.cpuModel, name).toEqual(expect.any(String));
      expect(run.machine?.cores, name).toBeGreaterThan(0);
      expect(run.node, name).toMatch(/^v\d+\./);
      expect(Object.keys(run.parameters).length, name).toBeGreaterThan(0);
    }
  });

  it('from --quick runs go to a folder git ignores, never over the reference files', () => {
    expect(resultsDir(false)).toBe(resultsRoot);
    expect(resultsDir(true)).toBe(path.join(resultsRoot, 'quick'));
    const ignored = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toContain('bench/results/quick/');
  });
});
