import { invalidFields, msg, type Message, type RoostError } from '../errors.js';
import { isValidTimeZone } from '../time/zones.js';

/**
 * Field-by-field validation that reports every problem at once. A form gets one message
 * per field (shown beside the input and summarised at the top); a CSV row gets messages
 * prefixed with its line. `done()` throws RoostError INVALID_INPUT with
 * `details.fields = { field: message }`. Labels are catalogue keys and problems are Messages,
 * so web/ says them in the reader's language.
 */
export type Input = Record<string, unknown>;

const REQUIRED = msg('problem.fields.required');

export interface FieldsOptions {
  /** Names a field in messages; default the form label (a catalogue key) given to each check. */
  describe?: (field: string, label: string) => Message;
  /** Put before the summary, e.g. "Line 4: ". */
  prefix?: Message;
}

export class Fields {
  readonly errors: Record<string, Message> = {};
  constructor(
    private readonly input: Input,
    private readonly options: FieldsOptions = {},
  ) {}

  private name(field: string, label: string): Message {
    return this.options.describe ? this.options.describe(field, label) : msg(label);
  }

  /** The field's problem, said after its name: "Time zone" + "is required." */
  fail(field: string, label: string, problem: Message): void {
    this.errors[field] ??= msg('problem.fields.problem', {
      prefix: this.options.prefix ?? '',
      name: this.name(field, label),
      problem,
    });
  }

  raw(field: string): string {
    const value = this.input[field];
    if (Array.isArray(value)) return String(value[value.length - 1] ?? '').trim();
    return value === undefined || value === null ? '' : String(value).trim();
  }

  isPresent(field: string): boolean {
    return this.input[field] !== undefined;
  }

  text(field: string, label: string, opts: { required?: boolean; max?: number } = {}): string {
    const value = this.raw(field);
    const max = opts.max ?? 200;
    if (opts.required && value === '') this.fail(field, label, REQUIRED);
    else if (value.length > max) this.fail(field, label, msg('problem.fields.tooLong', { max }));
    return value;
  }

  /** Optional text: '' becomes null. */
  optionalText(field: string, label: string, max = 200): string | null {
    const value = this.text(field, label, { max });
    return value === '' ? null : value;
  }

  integer(field: string, label: string, opts: { min: number; max: number; optional?: false }): number;
  integer(field: string, label: string, opts: { min: number; max: number; optional: true }): number | null;
  integer(field: string, label: string, opts: { min: number; max: number; optional?: boolean }) {
    const value = this.raw(field);
    if (value === '') {
      if (opts.optional) return null;
      this.fail(field, label, REQUIRED);
      return opts.min;
    }
    if (!/^-?\d+$/.test(value) || +value < opts.min || +value > opts.max) {
      this.fail(field, label, msg('problem.fields.wholeNumber', { min: opts.min, max: opts.max }));
      return opts.min;
    }
    return Number(value);
  }

  number(field: string, label: string, opts: { min: number; max: number }): number {
    const value = this.raw(field);
    const n = Number(value);
    if (value === '' || !Number.isFinite(n) || n < opts.min || n > opts.max) {
      this.fail(field, label, msg('problem.fields.number', { min: opts.min, max: opts.max }));
      return opts.min;
    }
    return n;
  }

  /** A checkbox ("on" when ticked, absent when not) or a CSV cell (true/false, yes/no, 1/0). */
  boolean(field: string, label: string, fallback = false): boolean {
    const value = this.raw(field).toLowerCase();
    if (value === '') return fallback;
    if (['true', 'yes', '1', 'on', 'y'].includes(value)) return true;
    if (['false', 'no', '0', 'off', 'n'].includes(value)) return false;
    this.fail(field, label, msg('problem.fields.yesNo'));
    return fallback;
  }

  oneOf<T extends string>(field: string, label: string, allowed: readonly T[], fallback?: T): T {
    const value = this.raw(field);
    const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
    if (match) return match;
    if (value === '' && fallback !== undefined) return fallback;
    this.fail(field, label, msg('problem.fields.oneOf', { allowed: allowed.join(', ') }));
    return fallback ?? allowed[0]!;
  }

  /** A setting left out or empty keeps what is stored (undefined); else exactly one of `allowed`. */
  setting<T extends string>(field: string, label: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(field);
    if (value === '') return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.fail(field, label, msg('problem.fields.oneOf', { allowed: allowed.join(', ') }));
    return undefined;
  }

  timeZone(field: string, label: string): string {
    const value = this.raw(field);
    if (!isValidTimeZone(value)) {
      this.fail(
        field,
        label,
        value === '' ? msg('problem.fields.zoneRequired') : msg('problem.fields.notAZone', { value }),
      );
    }
    return value;
  }

  email(field: string, label: string): string {
    const value = this.raw(field).toLowerCase();
    if (value === '') this.fail(field, label, REQUIRED);
    else if (value.length > 320 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
      this.fail(field, label, msg('problem.fields.notAnEmail', { value }));
    return value;
  }

  /** Cisco device name: SEP + 12 hex digits; lower case is accepted and upper-cased. */
  deviceName(field: string, label: string, opts: { optional: true }): string | null;
  deviceName(field: string, label: string, opts?: { optional?: false }): string;
  deviceName(field: string, label: string, opts: { optional?: boolean } = {}): string | null {
    const raw = this.raw(field);
    if (raw === '') {
      if (opts.optional) return null;
      this.fail(field, label, REQUIRED);
      return '';
    }
    const result = normaliseDeviceName(raw);
    if (!result.ok) this.fail(field, label, result.problem);
    return result.ok ? result.value : raw;
  }

  get hasErrors(): boolean {
    return Object.keys(this.errors).length > 0;
  }

  done(): void {
    if (this.hasErrors) throw validationError(this.errors);
  }
}

export function validationError(fields: Record<string, Message>): RoostError {
  return invalidFields(fields);
}

export const DEVICE_NAME = /^SEP[0-9A-F]{12}$/;

/** Upper-cases a device name for the user; still invalid after that is refused with the reason. */
export function normaliseDeviceName(
  raw: string,
): { ok: true; value: string } | { ok: false; problem: Message } {
  const value = raw.trim().toUpperCase();
  if (DEVICE_NAME.test(value)) return { ok: true, value };
  return {
    ok: false,
    problem: msg(
      value !== raw.trim() ? 'problem.fields.notADeviceNameCased' : 'problem.fields.notADeviceName',
      {
        value: raw.trim(),
      },
    ),
  };
}

/** Features typed as "dual-monitor; standing" or one per form field. */
export function parseFeatures(raw: string): { ok: true; value: string[] } | { ok: false; problem: Message } {
  const items = raw
    .split(/[;,\n]/)
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== '');
  for (const item of items) {
    if (!/^[a-z0-9][a-z0-9 _-]{0,39}$/.test(item)) {
      return {
        ok: false,
        problem: msg('problem.fields.notAFeature', { value: item }),
      };
    }
  }
  return { ok: true, value: [...new Set(items)] };
}

/** Shallow difference of two snapshots, for the audit trail's before/after. */
export function changes<T extends Record<string, unknown>>(
  before: T,
  after: T,
): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

/** The audit trail's before/after of a new row: nothing before. */
export const asCreated = <T>(after: T) => ({ before: null, after });

/** The named fields of a row: what its audit snapshot and its API view both show. */
export function pick<T, K extends keyof T>(row: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, row[k]])) as Pick<T, K>;
}
