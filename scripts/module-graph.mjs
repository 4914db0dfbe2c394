// `npm run graph`: writes the README's module graph (a Mermaid picture and a table) from
// scripts/module-graph.cjs, the same description .dependency-cruiser.cjs checks in lint.
// `node scripts/module-graph.mjs --check` exits 1 when the README is not what it would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as prettier from 'prettier';

const require = createRequire(import.meta.url);
const { modules, narrower } = require('./module-graph.cjs');

export const START = '<!-- module-graph:start (npm run graph writes this part) -->';
export const END = '<!-- module-graph:end -->';

const label = (name) => ({ entry: 'server.ts / roost.ts / db cli', app: 'app.ts' })[name] ?? name;
const where = (name, m) =>
  name === 'entry'
    ? '`src/server.ts`, `src/roost.ts`, `src/db/cli.ts`'
    : `\`${m.path.replace(/^\^/, '').replace(/\\\./g, '.').replace(/\/$/, '/').replace('(db|generated)/', 'db/, src/generated/').replace(/\$$/, '')}\``;

/** Imported almost everywhere; drawn as edges they would hide the shape. The table lists them. */
const LEAVES = ['time', 'errors', 'config'];

/** The README block for the graph, deterministic so a test can compare it. */
export function renderModuleGraph() {
  const names = Object.keys(modules);
  const lines = ['```mermaid', 'flowchart TD'];
  for (const name of names.filter((n) => !LEAVES.includes(n)))
    lines.push(`  ${name.replace('-', '_')}["${label(name)}"]`);
  for (const [name, m] of Object.entries(modules)) {
    const targets = m.may.includes('*') ? ['app', 'db', 'demo', 'emulator', 'scheduler'] : m.may;
    for (const to of targets.filter((t) => !LEAVES.includes(t)))
      lines.push(`  ${name.replace('-', '_')} --> ${to.replace('-', '_')}`);
  }
  lines.push(
    '```',
    '',
    `Not drawn: ${LEAVES.join(', ')}, which most modules may import (see the table).`,
    '',
  );
  lines.push('| Module | Where | Owns | May import |', '| --- | --- | --- | --- |');
  for (const [name, m] of Object.entries(modules)) {
    const may = m.may.includes('*') ? 'anything' : m.may.length ? m.may.join(', ') : 'nothing';
    lines.push(`| ${label(name)} | ${where(name, m)} | ${m.owns} | ${may} |`);
  }
  lines.push('', 'Narrower rules inside those edges:', '');
  for (const r of narrower) lines.push(`- \`${r.name}\`: ${r.comment}.`);
  return `${START}\n\n${lines.join('\n')}\n\n${END}`;
}

export function replaceBlock(readme, block) {
  const i = readme.indexOf(START);
  const j = readme.indexOf(END);
  if (i < 0 || j < i) throw new Error(`README.md has no ${START} ... ${END} block`);
  return readme.slice(0, i) + block + readme.slice(j + END.length);
}

/** The README as `npm run graph` would write it (formatted as `prettier --check` wants). */
export async function readmeWithGraph(readme, file) {
  return prettier.format(replaceBlock(readme, renderModuleGraph()), { filepath: file });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = path.resolve(import.meta.dirname, '..', 'README.md');
  const readme = readFileSync(file, 'utf8');
  const next = await readmeWithGraph(readme, file);
  if (!process.argv.includes('--check')) writeFileSync(file, next);
  else if (next !== readme) {
    console.error('README.md: the module graph is stale; run `npm run graph`.');
    process.exit(1);
  }
}
