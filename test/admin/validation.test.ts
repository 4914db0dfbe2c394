import { describe, expect, it } from 'vitest';
import { changes, Fields, normaliseDeviceName, parseFeatures } from '../../src/admin/validation.js';
import { csvColumn, csvLine } from '../../src/admin/csv-import.js';
import { RoostError } from '../../src/errors.js';
import { renderMessage, renderMessages } from '../../src/i18n/render-message.js';

describe('Fields', () => {
  it('collects every problem and throws INVALID_INPUT naming each field', () => {
    const f = new Fields({ name: '', timeZone: 'Mars/Olympus', level: '2.5', email: 'nope' });
    f.text('name', 'Name', { required: true });
    f.timeZone('timeZone', 'Time zone');
    f.integer('level', 'Level', { min: -10, max: 200 });
    f.email('email', 'Email');
    let error: unknown;
    try {
      f.done();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RoostError);
    expect((error as RoostError).code).toBe('INVALID_INPUT');
    // Fields hold Messages; in English they read as before.
    expect(renderMessages('en', (error as RoostError).details.fields)).toEqual({
      name: 'Name is required.',
      timeZone: expect.stringMatching(
        /"Mars\/Olympus" is not an IANA time zone; use a name such as Europe\/Berlin/,
      ),
      level: 'Level must be a whole number from -10 to 200.',
      email: 'Email "nope" is not an email address (name@example.com).',
    });
  });

  it('accepts good input and converts it', () => {
    const f = new Fields({ tz: 'America/New_York', n: '7', b: 'on', r: 'admin', x: '12.5' });
    expect(f.timeZone('tz', 'Zone')).toBe('America/New_York');
    expect(f.integer('n', 'N', { min: 0, max: 10 })).toBe(7);
    expect(f.boolean('b', 'B')).toBe(true);
    expect(f.boolean('missing', 'M')).toBe(false);
    expect(f.oneOf('r', 'Role', ['EMPLOYEE', 'ADMIN'] as const)).toBe('ADMIN');
    expect(f.number('x', 'X', { min: 0, max: 100 })).toBe(12.5);
    expect(() => f.done()).not.toThrow();
  });

  it('prefixes messages for CSV rows', () => {
    const f = new Fields({ role: 'boss' }, { prefix: csvLine(4), describe: csvColumn });
    f.oneOf('role', 'Role', ['EMPLOYEE', 'FACILITIES', 'ADMIN'] as const);
    expect(renderMessage('en', f.errors.role!)).toBe(
      'Line 4: column "role" must be one of EMPLOYEE, FACILITIES, ADMIN.',
    );
  });
});

describe('normaliseDeviceName', () => {
  it('upper-cases a valid name for the user', () => {
    expect(normaliseDeviceName(' sep0a1b2c3d4e5f ')).toEqual({ ok: true, value: 'SEP0A1B2C3D4E5F' });
  });

  it.each(['SEP0A1B2C3D4E5', 'SEP0A1B2C3D4E5FF', 'ATA0A1B2C3D4E5F', 'SEP0A1B2C3D4E5G', ''])(
    'refuses %j',
    (raw) => {
      const result = normaliseDeviceName(raw);
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(renderMessage('en', result.problem)).toMatch(
          /SEP followed by the phone's 12-digit MAC address/,
        );
    },
  );

  it('says that lower case was upper-cased when the name is still invalid', () => {
    const result = normaliseDeviceName('sep12');
    expect(!result.ok && renderMessage('en', result.problem)).toMatch(/upper-cased for you/);
  });
});

describe('parseFeatures and changes', () => {
  it('splits on ; and normalises tags', () => {
    expect(parseFeatures('Dual-Monitor; standing;;standing ')).toEqual({
      ok: true,
      value: ['dual-monitor', 'standing'],
    });
    expect(parseFeatures('<b>').ok).toBe(false);
  });

  it('keeps only the changed fields', () => {
    expect(changes({ a: 1, b: [1], c: 'x' }, { a: 1, b: [2], c: 'y' })).toEqual({
      before: { b: [1], c: 'x' },
      after: { b: [2], c: 'y' },
    });
  });
});
