import { describe, expect, it } from 'vitest';
import { parseCsv, readCsvTable } from '../../src/admin/csv.js';
import { RoostError } from '../../src/errors.js';

const fail = (fn: () => unknown): RoostError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof RoostError) return error;
    throw error;
  }
  throw new Error('expected a RoostError');
};

describe('parseCsv', () => {
  it('reads plain fields and LF or CRLF line ends', () => {
    expect(parseCsv('a,b\r\n1,2\n3,4')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, keeping the start line', () => {
    const records = parseCsv('x,y\n"a, b","say ""hi"""\n"two\nlines",z\nlast,1\n');
    expect(records).toEqual([
      { line: 1, fields: ['x', 'y'] },
      { line: 2, fields: ['a, b', 'say "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 5, fields: ['last', '1'] },
    ]);
  });

  it('keeps empty fields, skips blank lines and a byte order mark', () => {
    expect(parseCsv('\uFEFFa,,c\n\n,\n')).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 3, fields: ['', ''] },
    ]);
  });

  it('refuses an unclosed quote, naming the line it opened on', () => {
    expect(fail(() => parseCsv('a,b\n1,"oops\n2,3')).message).toMatch(
      /^Line 2: a quoted field is never closed/,
    );
  });

  it('refuses text after a closing quote and a bare quote inside a field', () => {
    expect(fail(() => parseCsv('a\n"x"y')).message).toMatch(/^Line 2: unexpected text after a closing quote/);
    expect(fail(() => parseCsv('a\n\nab"c')).message).toMatch(/^Line 3: a quote inside an unquoted field/);
  });
});

describe('readCsvTable', () => {
  const cols = { required: ['email', 'displayName'], optional: ['role'] };

  it('maps columns by header name in any order and case, trimming values', () => {
    const table = readCsvTable('DisplayName, EMAIL \n Ada , ada@x.example\n', cols);
    expect(table.rows).toEqual([
      { line: 2, values: { email: 'ada@x.example', displayName: 'Ada', role: '' } },
    ]);
  });

  it('names unknown and missing columns', () => {
    expect(fail(() => readCsvTable('email,nick\n', cols)).message).toMatch(
      /Line 1, column 2: unknown column "nick"/,
    );
    expect(fail(() => readCsvTable('email,role\n', cols)).message).toMatch(
      /lacks the required column\(s\) displayName/,
    );
    expect(fail(() => readCsvTable('', cols)).message).toMatch(/The file is empty/);
  });

  it('names the line of a row with the wrong number of fields', () => {
    const error = fail(() => readCsvTable('email,displayName\na@x.example,A\nb@x.example\n', cols));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^Line 3: 1 field\(s\), but the header has 2 columns/);
  });
});
