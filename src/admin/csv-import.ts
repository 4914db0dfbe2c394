import type { Actor, AuditTrail } from '../audit/audit-log.js';
import { invalidInput, msg, sentences, type Message } from '../errors.js';
import type { changeRunner, Tx } from './admin-deps.js';
import type { CsvRow } from './csv.js';
import { Fields, type Input } from './validation.js';

/**
 * What the staff CSV imports (desks, people) share: every problem is collected with its line,
 * and the import writes all its rows or, with any problem, none.
 */

/** "Line 4: " before a CSV row's problems. */
export const csvLine = (line: number) => msg('problem.csv.line', { line });
/** A CSV column as a field's name: column "email". */
export const csvColumn = (field: string) => msg('problem.csv.column', { column: field });

/** The audit trail's note on a row an import wrote: data, said per language (audit-sentences.ts). */
export const viaCsvLine = (line: number) => ({ via: { csvLine: line } });

/** All of an import's problems, each naming its line; nothing was written. */
export function importError(errors: Record<string, Message>) {
  const problems = Object.values(errors);
  const shown = problems.slice(0, 20);
  return invalidInput(
    msg('problem.csv.nothingImported', {
      count: problems.length,
      problems: sentences(shown),
      more: problems.length - shown.length,
    }),
    {
      fields: { csv: msg('problem.csv.nothingImportedField', { count: problems.length }) },
      problems,
    },
  );
}

/** Every problem of one import, at most one per line and field. */
export class ImportProblems {
  private readonly byField: Record<string, Message> = {};

  /** A row's cells as form fields, whose problems name the line and the column. */
  fields(row: CsvRow, columns: readonly string[]): Fields {
    const input: Input = {};
    for (const c of columns) input[c] = row.values[c];
    return new Fields(input, { prefix: csvLine(row.line), describe: csvColumn });
  }

  /** Keeps the problems `f` found in the row on `line`. */
  keep(line: number, f: Fields): void {
    for (const [field, message] of Object.entries(f.errors)) this.byField[`${line}:${field}`] = message;
  }

  /** A problem found while writing the row on `line`: "Line 4: …". */
  add(line: number, field: string, problem: Message): void {
    this.byField[`${line}:${field}`] = msg('problem.csv.lineProblem', { line, problem });
  }

  /** Refuses the whole import, naming every problem, if there is one. */
  throwIfAny(): void {
    if (Object.keys(this.byField).length > 0) throw importError(this.byField);
  }
}

/** Values that may stand on one line of a file only (an email, a phone), with the last line of each. */
export class LinesSeen {
  private readonly lines = new Map<string, number>();

  /** The line `key` stood on before (undefined the first time); remembers `line` for it. */
  earlier(key: string, line: number): number | undefined {
    const before = this.lines.get(key);
    this.lines.set(key, line);
    return before;
  }

  /** Fails `field` when `value` (compared as `key`) stood on an earlier line. */
  check(f: Fields, field: string, value: string, line: number, key = value): void {
    const before = this.earlier(key, line);
    if (before !== undefined) f.fail(field, field, msg('problem.csv.alsoOnLine', { value, line: before }));
  }
}

/** How the writer of one row did: wrote it new, changed it, or refused it with a problem. */
export type RowOutcome = 'created' | 'updated' | 'refused';

/**
 * Writes an import's rows in one transaction, all or nothing: a problem on any row rolls back
 * every row written. The trail holds each row's own entry and one `<subjectType>.import`.
 */
export function importRows<Row>(
  change: ReturnType<typeof changeRunner>,
  actor: Actor,
  subjectType: string,
  rows: readonly Row[],
  problems: ImportProblems,
  write: (tx: Tx, audit: AuditTrail, row: Row) => Promise<RowOutcome>,
): Promise<{ created: number; updated: number }> {
  return change(actor, async (tx, audit) => {
    const counts = { created: 0, updated: 0 };
    for (const row of rows) {
      const outcome = await write(tx, audit, row);
      if (outcome !== 'refused') counts[outcome]++;
    }
    problems.throwIfAny();
    await audit(`${subjectType}.import`, subjectType, '*', { ...counts, rows: rows.length });
    return counts;
  });
}
