// `npm run bench:readme`: rewrites the README's benchmark tables from bench/results/*.json
// (full runs; quick runs live in bench/results/quick/ and never reach the README).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadResults, renderReadme } from './lib/readme-tables.js';

const readmePath = path.resolve(import.meta.dirname, '../README.md');
const before = readFileSync(readmePath, 'utf8');
const after = await renderReadme(before, loadResults(), readmePath);
if (after === before) console.log('README.md: benchmark tables already match bench/results/');
else {
  writeFileSync(readmePath, after);
  console.log('README.md: benchmark tables rewritten from bench/results/');
}
