import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IConfiguration } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain script without types
import { readmeWithGraph } from '../../scripts/module-graph.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const config = require(path.join(root, '.dependency-cruiser.cjs')) as IConfiguration;

async function violations(baseDir: string, files: string[]) {
  const result = await cruise(
    files,
    {
      baseDir,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
    },
    { extensions: ['.ts', '.js'] },
  );
  if (typeof result.output === 'string') throw new Error('expected a JSON result');
  return result.output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

describe('the module graph', () => {
  it('fails a forbidden import (web/ taking the database type) and passes an allowed one', async () => {
    const found = await violations(path.join(import.meta.dirname, 'fixture'), ['src']);
    expect(found).toEqual(['web-imports: src/web/bad-routes.ts -> src/db/database.ts']);
  });

  it('is what the README shows (npm run graph writes it)', async () => {
    const file = path.join(root, 'README.md');
    const readme = readFileSync(file, 'utf8');
    expect(await readmeWithGraph(readme, file)).toBe(readme);
  });
});
