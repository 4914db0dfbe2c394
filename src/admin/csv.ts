import { invalidInput, msg } from '../errors.js';

/**
 * A small RFC 4180 reader for staff imports: comma-separated, records end with CRLF or LF,
 * fields may be quoted with `"` (a quote inside is doubled) and then hold commas and line
 * breaks. Every record keeps the physical line it starts on, so a problem can name it.
 * Blank lines are skipped; a UTF-8 byte order mark (Excel writes one) is ignored.
 */
export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < input.length) {
    const startLine = line;
    const fields: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      let value = '';
      if (input[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= input.length) {
            throw invalidInput(msg('problem.csv.unclosedQuote', { line: quoteLine }));
          }
          const ch = input[i]!;
          if (ch === '"') {
            if (input[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          value += ch;
          i++;
        }
        const after = input[i];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          throw invalidInput(msg('problem.csv.textAfterQuote', { line }));
        }
      } else {
        while (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          if (input[i] === '"') {
            throw invalidInput(msg('problem.csv.strayQuote', { line }));
          }
          value += input[i];
          i++;
        }
      }
      fields.push(value);
      const sep = input[i];
      if (sep === ',') {
        i++;
      } else {
        if (sep === '\r') i++;
        if (input[i] === '\n') i++;
        line++;
        endOfRecord = true;
      }
    }
    if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: startLine, fields });
  }
  return records;
}

export interface CsvRow {
  line: number;
  /** Trimmed values by (lower-case) column name; absent optional columns read as ''. */
  values: Record<string, string>;
}

/**
 * Reads a CSV with a header row naming its columns (any order, any case). Refuses unknown
 * and missing columns and rows with the wrong number of fields, naming the line.
 */
export function readCsvTable(
  text: string,
  columns: { required: readonly string[]; optional: readonly string[] },
  options: { maxRows?: number } = {},
): { columns: string[]; rows: CsvRow[] } {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header) {
    throw invalidInput(
      msg('problem.csv.empty', { columns: [...columns.required, ...columns.optional].join(',') }),
    );
  }
  const known = new Map([...columns.required, ...columns.optional].map((c) => [c.toLowerCase(), c]));
  const names: string[] = [];
  header.fields.forEach((raw, index) => {
    const name = known.get(raw.trim().toLowerCase());
    if (!name) {
      throw invalidInput(
        msg('problem.csv.unknownColumn', {
          line: header.line,
          index: index + 1,
          column: raw.trim(),
          columns: [...known.values()].join(', '),
        }),
      );
    }
    if (names.includes(name))
      throw invalidInput(msg('problem.csv.columnTwice', { line: header.line, column: name }));
    names.push(name);
  });
  const missing = columns.required.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw invalidInput(msg('problem.csv.missingColumns', { line: header.line, columns: missing.join(', ') }));
  }
  const maxRows = options.maxRows ?? 5000;
  if (records.length > maxRows) {
    throw invalidInput(msg('problem.csv.tooManyRows', { rows: records.length, max: maxRows }));
  }
  const rows = records.map((record) => {
    if (record.fields.length !== names.length) {
      throw invalidInput(
        msg('problem.csv.fieldCount', {
          line: record.line,
          fields: record.fields.length,
          columns: names.length,
        }),
      );
    }
    const values: Record<string, string> = {};
    for (const c of [...columns.required, ...columns.optional]) values[c] = '';
    names.forEach((name, index) => {
      values[name] = record.fields[index]!.trim();
    });
    return { line: record.line, values };
  });
  return { columns: names, rows };
}
