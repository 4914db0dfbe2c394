import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/i18n/languages.js';
import { createTranslator } from '../../src/i18n/translator.js';

/**
 * booking/, admin/, scheduler/ and phone-service/ never write a sentence for people: their
 * errors, form-field problems and status texts are catalogue keys with parameters (Messages,
 * src/i18n/message.ts), and web/ says them in the reader's language. This reads those modules
 * and fails on English prose where an error or a person's message is made, on a key missing
 * in a catalogue, and on untranslated(), an escape hatch that is gone and must not come back.
 */
const root = path.resolve(import.meta.dirname, '../..');
const DOMAIN = ['src/booking', 'src/admin', 'src/scheduler', 'src/phone-service'];

/** Calls that build what a person reads: errors, a form field's problem, a Message. */
const MESSAGE_CALLS = new Set([
  'RoostError',
  'invalidInput',
  'invalidFields',
  'inUse',
  'forbidden',
  'rateLimited',
  'refuse',
  'fail',
  'untranslated',
]);
/** Object properties that carry text for a person (a rule's message, a refusal's reason). */
const MESSAGE_PROPERTIES = new Set(['message', 'reason', 'problem', 'summary']);

/**
 * Diagnostic records, not texts for a person's page: audit-trail details and the EM transport's
 * failure reason are kept as written (in English, like EM's own error texts) for support.
 */
const DIAGNOSTIC: Record<string, string> = {
  'src/scheduler/action-context.ts': 'no booking of this desk covers the occupant now',
  'src/scheduler/drain.ts': 'internal error',
  'src/scheduler/reconcile.ts': 'logged in with no booking behind it',
};

/** Two words in a row, as a sentence has: "is required", "Desk ${x} is taken". */
const PROSE = /[A-Za-z]{2,}[,:;]? [a-z]{2,}/;

export interface Finding {
  line: number;
  what: string;
}

const calleeName = (call: ts.CallExpression | ts.NewExpression): string | undefined => {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
};

/** Prose in a literal under a message-building call or property, and the msg() keys used. */
export function scan(fileName: string, text: string): { prose: Finding[]; keys: Finding[] } {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const prose: Finding[] = [];
  const keys: Finding[] = [];
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const literalText = (node: ts.Node): string | undefined => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node))
      return node.head.text + node.templateSpans.map((s) => `\${} ${s.literal.text}`).join('');
    return undefined;
  };
  /**
   * The keys a msg() argument can be: a literal, either branch of a condition, an entry of a
   * *_KEYS table (checked where the table is written), or a Fields label (a key by contract).
   */
  const keysOf = (arg: ts.Expression): string[] | null => {
    const literal = literalText(arg);
    if (literal !== undefined && !ts.isTemplateExpression(arg)) return [literal];
    if (ts.isParenthesizedExpression(arg)) return keysOf(arg.expression);
    if (ts.isConditionalExpression(arg)) {
      const a = keysOf(arg.whenTrue);
      const b = keysOf(arg.whenFalse);
      return a && b ? [...a, ...b] : null;
    }
    if (ts.isElementAccessExpression(arg) || ts.isNonNullExpression(arg)) {
      const inner = ts.isNonNullExpression(arg) ? arg.expression : arg;
      if (
        ts.isElementAccessExpression(inner) &&
        ts.isIdentifier(inner.expression) &&
        /_KEYS$/.test(inner.expression.text)
      )
        return [];
    }
    if (ts.isIdentifier(arg) && arg.text === 'label') return [];
    return null;
  };
  const visit = (node: ts.Node, inMessage: boolean) => {
    let here = inMessage;
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const name = calleeName(node);
      if (name === 'untranslated') prose.push({ line: lineOf(node), what: 'untranslated(...)' });
      if (name && MESSAGE_CALLS.has(name)) here = true;
      if (name === 'msg' && node.arguments?.[0]) {
        const found = keysOf(node.arguments[0]);
        if (found) found.forEach((key) => keys.push({ line: lineOf(node), what: key }));
        else prose.push({ line: lineOf(node), what: 'msg() with a key that is not a literal' });
        // A Message's parameters are values (names, labels, numbers), not prose.
        node.arguments.slice(1).forEach((a) => visit(a, false));
        return;
      }
    }
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && MESSAGE_PROPERTIES.has(node.name.text))
      here = true;
    // SQL in tagged templates is not for people.
    if (ts.isTaggedTemplateExpression(node)) return;
    const literal = literalText(node);
    if (here && literal !== undefined && PROSE.test(literal))
      prose.push({ line: lineOf(node), what: literal.slice(0, 80) });
    ts.forEachChild(node, (child) => visit(child, here));
  };
  visit(source, false);
  return { prose, keys };
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

describe('domain modules speak in catalogue keys, not sentences', () => {
  it('finds prose where a message is made, and only there', () => {
    const sample = [
      "throw invalidInput('This booking has already ended.');",
      'throw new RoostError("FORBIDDEN", `Desk ${label} is booked by ${name}.`);',
      "violations.push({ rule: 'x', message: 'Choose another desk.' });",
      "f.fail('end', 'problem.label.end', 'must be after the start.');",
      "throw invalidInput(untranslated('x'));",
      "throw invalidInput(msg('problem.booking.alreadyEnded', { desk: 'Desk 1' }));",
      "log.info({ id }, 'desk booked for someone');",
      'await tx.$queryRaw`SELECT "id" FROM "Desk" WHERE "id" = ${id} FOR UPDATE`;',
    ].join('\n');
    const { prose, keys } = scan('sample.ts', sample);
    expect(prose.map((p) => p.line)).toEqual([1, 2, 3, 4, 5]);
    expect(keys).toEqual([{ line: 6, what: 'problem.booking.alreadyEnded' }]);
  });

  const files = DOMAIN.flatMap(filesUnder);
  const results = files.map((file) => ({ file, ...scan(file, readFileSync(path.join(root, file), 'utf8')) }));

  it('reads every file of the four modules', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(results.flatMap((r) => r.keys).length).toBeGreaterThan(100);
  });

  it('no English sentence is built in booking/, admin/, scheduler/ or phone-service/', () => {
    const found = results.flatMap((r) =>
      r.prose
        .filter((p) => !(DIAGNOSTIC[r.file] && p.what.startsWith(DIAGNOSTIC[r.file]!)))
        .map((p) => `${r.file}:${p.line}: ${p.what}`),
    );
    expect(found).toEqual([]);
  });

  it('every message key they use is in every language', () => {
    const messages = createTranslator();
    const missing = results.flatMap((r) =>
      r.keys.flatMap((k) =>
        LANGUAGES.filter((lang) => !messages.has(lang, k.what)).map(
          (lang) => `${r.file}:${k.line}: ${k.what} (${lang})`,
        ),
      ),
    );
    expect(missing).toEqual([]);
  });
});
