import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/** Every file under `dir` whose name ends with one of `exts` (recursively). */
export function filesUnder(dir: string, exts: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && exts.some((x) => e.name.endsWith(x)))
    .map((e) => path.join(e.parentPath, e.name));
}

const builtins = new Set(builtinModules);
const packageOf = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;

/**
 * The packages a JavaScript or TypeScript file loads when it runs: static imports and
 * re-exports (not `import type`), bare `import 'x'`, dynamic `import('x')` and `require('x')`.
 */
export function runtimePackages(source: string): Set<string> {
  const specs: string[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of text.matchAll(
    /(?:^|[;\n])\s*(?:import|export)\s+(type\s+)?[^;'"]*?\sfrom\s*['"]([^'"]+)['"]/g,
  ))
    if (!m[1]) specs.push(m[2]!);
  for (const m of text.matchAll(/(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?<!typeof\s)\b(?:import|require(?:\.resolve)?)\(\s*['"]([^'"]+)['"]\s*\)/g))
    specs.push(m[1]!);
  return new Set(
    specs
      .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'))
      .map(packageOf)
      .filter((p) => !builtins.has(p)),
  );
}
