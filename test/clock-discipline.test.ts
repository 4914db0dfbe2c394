import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The suite must pass at any date and hour, so no test reads the machine's clock: tests move
 * injected clocks (src/time/clock.ts) and the browser suite runs at fixed instants
 * (test/e2e/harness.ts). This check reads every test and every source file and fails on a
 * read of the real time outside the places listed below, each with its reason. Durations
 * (performance.now) are not the time of day and are allowed everywhere.
 */
const ALLOWED: Record<string, string> = {
  'src/time/clock.ts': 'the one source of "now" (systemClock, and the running clock of the browser suite)',
  'src/emulator/clock.ts':
    'the EM emulator keeps its own clock: it shares no code with Roost (SPEC 6.3 item 6)',
  'src/server.ts': 'npm start: the composition root gives Roost the system clock',
  'src/db/cli.ts': 'npm run db:*: a command run by a person, at the real time',
  'test/system/live-roost.ts': 'the two system tests of npm start are about real time itself',
  'test/fault/crash.int.test.ts':
    'Roost as its own process, killed with SIGKILL and restarted: real processes on the system clock (its site sits in a zone where it is midday)',
  'test/system/phone-follows-booking.int.test.ts': 'a system test of npm start, about real time itself',
  'test/system/phone-service-demo.int.test.ts': 'a system test of npm start, about real time itself',
};

export interface ClockRead {
  line: number;
  what: string;
}

const isNamed = (node: ts.Node, name: string) => ts.isIdentifier(node) && node.text === name;
const zeroArgs = (call: ts.CallExpression | ts.NewExpression) => (call.arguments?.length ?? 0) === 0;

/** Every place in one file's text that reads the machine's clock. */
export function findClockReads(fileName: string, text: string): ClockRead[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const reads: ClockRead[] = [];
  const add = (node: ts.Node, what: string) =>
    reads.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, what });
  const visit = (node: ts.Node) => {
    // new Date() and Date() with no argument: now.
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && isNamed(node.expression, 'Date')) {
      if (zeroArgs(node)) add(node, ts.isNewExpression(node) ? 'new Date()' : 'Date()');
    }
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const { expression: owner, name } = node.expression;
      // Date.now(); luxon's DateTime.now(), and DateTime.local() / DateTime.utc() with no argument.
      if (isNamed(owner, 'Date') && name.text === 'now') add(node, 'Date.now()');
      if (isNamed(owner, 'DateTime') && name.text === 'now') add(node, 'DateTime.now()');
      if (isNamed(owner, 'DateTime') && (name.text === 'local' || name.text === 'utc') && zeroArgs(node))
        add(node, `DateTime.${name.text}()`);
    }
    // The system clock itself, however it is passed on.
    if (ts.isIdentifier(node) && node.text === 'systemClock') {
      const parent = node.parent;
      const declaresIt = ts.isVariableDeclaration(parent) && parent.name === node;
      if (!declaresIt) add(node, 'systemClock');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  // One report per line and kind (an import and its use are two lines, so both show).
  return reads.filter((r, i) => reads.findIndex((o) => o.line === r.line && o.what === r.what) === i);
}

const root = path.resolve(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts)$/.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.startsWith('src/generated/'));
}

describe('nothing reads the machine clock outside the allowed places', () => {
  it('finds each way of reading the clock, and only those', () => {
    const sample = [
      'const a = new Date();',
      'const b = Date.now();',
      "const c = DateTime.now().setZone('Europe/Berlin');",
      'const d = DateTime.local();',
      'const e = DateTime.utc();',
      'start({ clock: systemClock });',
      'const f = Date();',
      // Not reads of the clock:
      "const g = new Date('2026-12-02T07:14:00Z');",
      'const h = new Date(0);',
      'const i = DateTime.local(2026, 12, 2);',
      'const j = performance.now();',
      'const k = clock.now();',
      'const l = DateTime.utc(2027, 3, 28);',
    ].join('\n');
    expect(findClockReads('sample.ts', sample)).toEqual([
      { line: 1, what: 'new Date()' },
      { line: 2, what: 'Date.now()' },
      { line: 3, what: 'DateTime.now()' },
      { line: 4, what: 'DateTime.local()' },
      { line: 5, what: 'DateTime.utc()' },
      { line: 6, what: 'systemClock' },
      { line: 7, what: 'Date()' },
    ]);
  });

  it('in test/ and src/: everything else runs on an injected clock or a fixed instant', () => {
    const found = [...filesUnder('test'), ...filesUnder('src')]
      .filter((file) => !(file in ALLOWED))
      .flatMap((file) =>
        findClockReads(file, readFileSync(path.join(root, file), 'utf8')).map(
          (r) => `${file}:${r.line} ${r.what}`,
        ),
      );
    expect(found).toEqual([]);
  });

  it('every allowed place still exists and still needs its allowance', () => {
    const stale = Object.keys(ALLOWED).filter((file) => {
      try {
        return findClockReads(file, readFileSync(path.join(root, file), 'utf8')).length === 0;
      } catch {
        return true;
      }
    });
    expect(stale).toEqual([]);
  });
});
