import { CsvError, parse } from 'csv-parse/sync';
import { invalidInput, msg } from '../errors.js';

/**
 * CSV for staff imports, read by csv-parse (RFC 4180): comma-separated, records end with CRLF,
 * LF or CR, fields may be quoted with `"` (a quote inside is doubled) and then hold commas and
 * line breaks. Every record keeps the physical line it starts on, so a problem can name it.
 * Blank lines are skipped; a UTF-8 byte order mark (Excel writes one) is ignored.
 */
export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

/**
 * The line breaks in text that starts outside quotes: LF, CRLF, and a CR alone between fields
 * (a CR alone inside a quoted field is part of the value, not a new line).
 */
function lineBreaks(text: string): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' || (ch === '\r' && !quoted && text[i + 1] !== '\n')) count++;
  }
  return count;
}

const BLANK_LINES = /^(?:\r\n|\r|\n)+/;

/** Where the quote opens that is never closed, in text that starts at a record. */
function openingQuote(record: string): number {
  let inside = false;
  let opening = 0;
  for (let i = 0; i < record.length; i++) {
    if (record[i] !== '"') continue;
    if (!inside && record[i - 1] !== '"') opening = i;
    inside = !inside;
  }
  return opening;
}

/**
 * Counts lines itself: csv-parse counts a CRLF inside quotes as two lines, and gives places as
 * byte offsets (the BOM among them), so the file is read back as bytes.
 */
class Lines {
  private readonly bytes: Buffer;
  constructor(text: string) {
    this.bytes = Buffer.from(text);
  }

  /** The text from byte offset `from` to `to`. */
  text(from: number, to?: number): string {
    return this.bytes
      .subarray(from, to)
      .toString()
      .replace(/^\uFEFF/, '');
  }

  /** The line on which the record after byte offset `from` (blank lines skipped) starts. */
  recordLine(from: number): number {
    const blank = BLANK_LINES.exec(this.text(from))?.[0] ?? '';
    return 1 + lineBreaks(this.text(0, from)) + lineBreaks(blank);
  }
}

/**
 * csv-parse's refusals in the words of the catalogue, naming the line. The failing record starts
 * after `from`; `raw` is its text up to the error (after odd leftovers of blank lines).
 */
function csvProblem(error: CsvError, lines: Lines, from: number) {
  const recordLine = lines.recordLine(from);
  const raw = typeof error.raw === 'string' ? error.raw.replace(BLANK_LINES, '') : '';
  const line = recordLine + lineBreaks(raw);
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED': {
      const record = lines.text(from).replace(BLANK_LINES, '');
      const quoteLine = recordLine + lineBreaks(record.slice(0, openingQuote(record)));
      return invalidInput(msg('problem.csv.unclosedQuote', { line: quoteLine }));
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
      return invalidInput(msg('problem.csv.textAfterQuote', { line }));
    case 'INVALID_OPENING_QUOTE':
      return invalidInput(msg('problem.csv.strayQuote', { line }));
    default:
      return error;
  }
}

export function parseCsv(text: string): CsvRecord[] {
  const lines = new Lines(text);
  const records: CsvRecord[] = [];
  // Byte offset and line where the record last read ends (with its line break).
  let end = 0;
  let line = 1;
  try {
    parse(text, {
      bom: true,
      raw: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      skip_empty_lines: true,
      // With `raw` (for the text of a failing record), a record comes as { record, raw }.
      on_record: (output, { bytes }) => {
        const fields = (output as unknown as { record: string[] }).record;
        // Blank lines, the record and its line break.
        const read = lines.text(end, bytes);
        const start = line + lineBreaks(BLANK_LINES.exec(read)?.[0] ?? '');
        line += lineBreaks(read);
        end = bytes;
        if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: start, fields });
        return null;
      },
    });
  } catch (error) {
    throw error instanceof CsvError ? csvProblem(error, lines, end) : error;
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
