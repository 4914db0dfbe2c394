import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesUnder, runtimePackages } from './imports.js';

// No Docker engine runs here: the Dockerfile is checked for what the production image must be,
// and test/system/production-build.int.test.ts runs what its runtime stage runs.
const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  steps: Instruction[];
}

/** Instructions per stage: continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const [, op, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (!op || args === undefined) throw new Error(`Dockerfile line not understood: ${line}`);
    if (op.toUpperCase() === 'FROM') {
      const [, from, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from: from!, name, steps: [] });
    } else {
      if (stages.length === 0) throw new Error(`${op} before FROM`);
      stages.at(-1)!.steps.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const build = stages[0]!;
const runtime = stages.at(-1)!;
const steps = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op).map((s) => s.args);
const execForm = (args: string) => JSON.parse(args) as string[];

describe('Dockerfile', () => {
  it('has a build stage that installs the toolchain and compiles, and a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBeDefined();
    expect(steps(build, 'RUN').join('\n')).toMatch(/npm ci(?![^\n]*--omit=dev)/);
    expect(steps(build, 'RUN').join('\n')).toMatch(/npm run build/);
    for (const stage of stages) expect(stage.from).toMatch(/^node:20[-.]/);
  });

  it('runs on production dependencies only, with the compiled code from the build stage', () => {
    const runs = steps(runtime, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci[^\n]*--omit=dev/);
    // Optional peers of @prisma/client (the Prisma CLI, TypeScript) come in with --omit=dev alone.
    expect(runs).toMatch(/npm ci[^\n]*--omit=optional/);
    expect(runs).not.toMatch(/--include=dev|npm install(?!-)/);
    const copies = steps(runtime, 'COPY');
    expect(copies).toContainEqual(
      expect.stringMatching(new RegExp(`^--from=${build.name}\\s+\\S*dist\\s+dist$`)),
    );
    // What dist/ finds beside it at run time (src/app.ts, src/db/migrations.ts, src/i18n).
    for (const dir of ['prisma', 'views', 'public', 'locales'])
      expect(copies, dir).toContainEqual(expect.stringMatching(new RegExp(`^${dir}(/\\S*)?\\s+${dir}`)));
    expect(copies.join('\n')).not.toMatch(/^src\b|\ssrc$/m);
    expect(JSON.stringify(runtime.steps)).not.toMatch(/tsx/);
  });

  it('runs as a non-root user, checks /readyz with node, and starts compiled JavaScript with node', () => {
    const user = steps(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    // USER comes before CMD so the server never runs as root.
    const ops = runtime.steps.map((s) => s.op);
    expect(ops.indexOf('USER')).toBeLessThan(ops.indexOf('CMD'));

    const health = steps(runtime, 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    const [, cmd] = /CMD\s+(\[.*\])$/.exec(health[0]!) ?? [];
    const check = execForm(cmd!);
    expect(check[0]).toBe('node');
    expect(check.join(' ')).toContain('/readyz');
    expect(check.join(' ')).not.toMatch(/curl|wget/);

    expect(steps(runtime, 'CMD').map(execForm)).toEqual([['node', 'dist/server.js']]);
    // Exec form and no shell wrapper: node is PID 1 and gets SIGTERM itself.
    expect(steps(runtime, 'ENTRYPOINT')).toEqual([]);
    expect(steps(runtime, 'STOPSIGNAL').every((s) => s === 'SIGTERM')).toBe(true);
  });
});

describe('package.json for a production install', () => {
  it('lists every package the server code loads under dependencies, and no toolchain there', () => {
    const needed = new Set<string>();
    for (const file of filesUnder(path.join(root, 'src'), ['.ts']))
      for (const p of runtimePackages(readFileSync(file, 'utf8'))) needed.add(p);
    const missing = [...needed].filter((p) => !(p in pkg.dependencies)).sort();
    expect(missing).toEqual([]);
    for (const tool of ['tsx', 'typescript', 'prisma', 'vitest'])
      expect(Object.keys(pkg.dependencies)).not.toContain(tool);
  });

  it('finds runtime imports and skips type-only ones', () => {
    const found = runtimePackages(
      [
        "import type { A } from 'only-types';",
        "import { b,\n  c } from '@scope/pkg/sub';",
        "import 'side-effect';",
        "export { d } from 're-export';",
        "const e = await import('dynamic');",
        "let f: typeof import('type-position');",
        "import path from 'node:path';",
        "import { g } from './local.js';",
        "import fs from 'fs';",
      ].join('\n'),
    );
    expect([...found].sort()).toEqual(['@scope/pkg', 'dynamic', 're-export', 'side-effect']);
  });
});
