/**
 * The one rule that turns an audit event's stored details into changes a person can read
 * ("desk 3.05 → 3.09", "time 08:00–16:00 → 09:00–17:00"). Pure: ids are named through the
 * lookups the caller fetched, and values stay typed (instants, desk labels, lists); the
 * sentences themselves are worded in web/ in the reader's language and the site's zone.
 */

/** A value as the page should show it. */
export type AuditValue =
  | { kind: 'none' }
  | { kind: 'text'; text: string }
  | { kind: 'number'; value: number }
  | { kind: 'flag'; value: boolean }
  | { kind: 'list'; items: string[] }
  | { kind: 'at'; at: Date }
  | { kind: 'range'; startsAt: Date; endsAt: Date }
  /** An id whose name was not found (a deleted desk): shown as "#12". */
  | { kind: 'id'; id: number };

/**
 * `changed`: before → after; `set`: a value where there was none (or on creation); `cleared`:
 * a value removed; `fact`: a detail of an event that is not an edit (who, which desk, when).
 */
export interface AuditChange {
  code: 'changed' | 'set' | 'cleared' | 'fact';
  /** The field's name in Roost's words: `desk`, `time`, `end`, `person`, or the stored key. */
  field: string;
  before?: AuditValue;
  after?: AuditValue;
}

/** Names for the ids that audit details store. */
export interface AuditLookups {
  deskLabels: ReadonlyMap<number, string>;
  userNames: ReadonlyMap<number, string>;
  siteNames: ReadonlyMap<number, string>;
  floorNames: ReadonlyMap<number, string>;
}

/** Stored key → the field it names, when the key holds an id to look up. */
const ID_FIELDS: Record<string, { field: string; names: keyof AuditLookups }> = {
  deskId: { field: 'desk', names: 'deskLabels' },
  userId: { field: 'person', names: 'userNames' },
  homeSiteId: { field: 'homeSite', names: 'siteNames' },
  siteId: { field: 'site', names: 'siteNames' },
  floorId: { field: 'floor', names: 'floorNames' },
};

/** Keys whose value is an instant stored as ISO 8601 text. */
const INSTANT_FIELDS: Record<string, string> = { startsAt: 'start', endsAt: 'end' };

/** Stored keys that are bookkeeping, not part of what changed. */
const HIDDEN = new Set(['via', 'planSvg']);

type Record_ = Record<string, unknown>;
const isRecord = (v: unknown): v is Record_ => typeof v === 'object' && v !== null && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function instant(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const at = new Date(v);
  return Number.isNaN(at.getTime()) ? null : at;
}

function valueOf(key: string, v: unknown, lookups: AuditLookups): AuditValue {
  if (v === null || v === undefined || v === '') return { kind: 'none' };
  const id = ID_FIELDS[key];
  if (id && typeof v === 'number') {
    const name = lookups[id.names].get(v);
    return name === undefined ? { kind: 'id', id: v } : { kind: 'text', text: name };
  }
  if (key in INSTANT_FIELDS) {
    const at = instant(v);
    if (at) return { kind: 'at', at };
  }
  if (typeof v === 'boolean') return { kind: 'flag', value: v };
  if (typeof v === 'number') return { kind: 'number', value: v };
  if (typeof v === 'string') return { kind: 'text', text: v };
  if (Array.isArray(v))
    return { kind: 'list', items: v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))) };
  return { kind: 'text', text: JSON.stringify(v) };
}

const fieldOf = (key: string) => ID_FIELDS[key]?.field ?? INSTANT_FIELDS[key] ?? key;

/** A booking's start and end read as one time range when both are there. */
function rangeOf(side: Record_ | null): AuditValue | null {
  const startsAt = instant(side?.startsAt);
  const endsAt = instant(side?.endsAt);
  return startsAt && endsAt ? { kind: 'range', startsAt, endsAt } : null;
}

function edit(before: Record_ | null, after: Record_ | null, lookups: AuditLookups): AuditChange[] {
  const changes: AuditChange[] = [];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter(
    (k) => !HIDDEN.has(k),
  );
  const rangeBefore = rangeOf(before);
  const rangeAfter = rangeOf(after);
  // Start and end that both moved read as one change of time, as staff think of a booking.
  const asRange =
    (rangeBefore || rangeAfter) &&
    (!before || !after || (!same(before.startsAt, after.startsAt) && !same(before.endsAt, after.endsAt)));
  for (const key of keys) {
    const b = before?.[key];
    const a = after?.[key];
    if (before && after && same(b, a)) continue;
    if (asRange && key in INSTANT_FIELDS) {
      if (key === 'endsAt' && keys.includes('startsAt')) continue;
      changes.push(change('time', rangeBefore ?? { kind: 'none' }, rangeAfter ?? { kind: 'none' }, !before));
      continue;
    }
    changes.push(change(fieldOf(key), valueOf(key, b, lookups), valueOf(key, a, lookups), !before));
  }
  return changes;
}

function change(field: string, before: AuditValue, after: AuditValue, created: boolean): AuditChange {
  if (created || before.kind === 'none') return { code: 'set', field, after };
  if (after.kind === 'none') return { code: 'cleared', field, before };
  return { code: 'changed', field, before, after };
}

/** The facts of an event that is not an edit: a booking made, a phone logged in by hand. */
function facts(details: Record_, lookups: AuditLookups): AuditChange[] {
  const out: AuditChange[] = [];
  const range = rangeOf(details);
  for (const [key, v] of Object.entries(details)) {
    if (HIDDEN.has(key)) continue;
    if (range && key in INSTANT_FIELDS) {
      if (key === 'startsAt') out.push({ code: 'fact', field: 'time', after: range });
      continue;
    }
    out.push({ code: 'fact', field: fieldOf(key), after: valueOf(key, v, lookups) });
  }
  return out;
}

/** How a change was made when not by hand on a page: a line of a CSV import, or a stored note. */
export type AuditVia = { kind: 'csvLine'; line: number } | { kind: 'text'; text: string };

/**
 * A stored `via`: `{ csvLine: 4 }`, or the English text that events before it stored
 * ("CSV import line 4"), read as the same line so old rows read in every language too.
 */
function viaOf(raw: unknown): AuditVia | null {
  if (isRecord(raw) && typeof raw.csvLine === 'number') return { kind: 'csvLine', line: raw.csvLine };
  if (typeof raw !== 'string' || raw === '') return null;
  const legacy = /^CSV import line (\d+)$/.exec(raw);
  return legacy ? { kind: 'csvLine', line: Number(legacy[1]) } : { kind: 'text', text: raw };
}

/** What an audit event's details say, as changes; `via` (e.g. a CSV import's line) apart. */
export function auditChanges(
  details: unknown,
  lookups: AuditLookups,
): { changes: AuditChange[]; via: AuditVia | null } {
  if (!isRecord(details)) return { changes: [], via: null };
  const via = viaOf(details.via);
  if ('before' in details || 'after' in details) {
    const before = isRecord(details.before) ? details.before : null;
    const after = isRecord(details.after) ? details.after : null;
    return { changes: edit(before, after, lookups), via };
  }
  return { changes: facts(details, lookups), via };
}

/** The ids audit details name, to fetch their names in one query per kind. */
export function idsInDetails(details: unknown): Record<keyof AuditLookups, number[]> {
  const ids: Record<keyof AuditLookups, number[]> = {
    deskLabels: [],
    userNames: [],
    siteNames: [],
    floorNames: [],
  };
  if (!isRecord(details)) return ids;
  for (const side of [details, details.before, details.after]) {
    if (!isRecord(side)) continue;
    for (const [key, v] of Object.entries(side)) {
      const id = ID_FIELDS[key];
      if (id && typeof v === 'number') ids[id.names].push(v);
    }
  }
  return ids;
}
