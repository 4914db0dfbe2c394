import { DateTime } from 'luxon';
import { luxonZone } from '../../time/zones.js';
import type { AuditChange, AuditValue, AuditVia } from '../../admin/audit-changes.js';
import type { MessageParams } from '../../i18n/translator.js';
import type { Formatters } from '../i18n-plugin.js';

/** Catalogue keys of the field names audit changes use; a field not listed shows its stored key. */
const FIELD_KEYS: Record<string, string> = {
  desk: 'staff.audit.field.desk',
  time: 'staff.audit.field.time',
  start: 'staff.audit.field.start',
  end: 'staff.audit.field.end',
  person: 'staff.audit.field.person',
  homeSite: 'staff.audit.field.homeSite',
  site: 'staff.audit.field.site',
  floor: 'staff.audit.field.floor',
  label: 'staff.audit.field.label',
  features: 'staff.audit.field.features',
  bookable: 'staff.audit.field.bookable',
  posX: 'staff.audit.field.posX',
  posY: 'staff.audit.field.posY',
  phone: 'staff.audit.field.phone',
  phoneModel: 'staff.audit.field.phoneModel',
  email: 'staff.audit.field.email',
  displayName: 'staff.audit.field.displayName',
  role: 'staff.audit.field.role',
  emUserId: 'staff.audit.field.emUserId',
  deviceProfile: 'staff.audit.field.deviceProfile',
  disabled: 'staff.audit.field.disabled',
  team: 'staff.audit.field.team',
  name: 'staff.audit.field.name',
  timeZone: 'staff.audit.field.timeZone',
  address: 'staff.audit.field.address',
  level: 'staff.audit.field.level',
  planWidth: 'staff.audit.field.planWidth',
  planHeight: 'staff.audit.field.planHeight',
  onBehalf: 'staff.audit.field.onBehalf',
  deviceName: 'staff.audit.field.deviceName',
  minutes: 'staff.audit.field.minutes',
  ok: 'staff.audit.field.ok',
  outcome: 'staff.audit.field.outcome',
};

const SENTENCE_KEYS: Record<AuditChange['code'], string> = {
  changed: 'staff.audit.sentence.changed',
  set: 'staff.audit.sentence.set',
  cleared: 'staff.audit.sentence.cleared',
  fact: 'staff.audit.sentence.fact',
};

type Translate = (key: string, params?: MessageParams) => string;

const instantsOf = (v: AuditValue | undefined): Date[] =>
  v?.kind === 'at' ? [v.at] : v?.kind === 'range' ? [v.startsAt, v.endsAt] : [];

/**
 * One audit change as a sentence in the reader's language, times in `zone` (the booking's
 * site). When every time of the change falls on one local day the day is left out, so a
 * moved booking reads "Time 08:00–16:00 → 09:00–17:00 CET".
 */
export function auditSentence(change: AuditChange, t: Translate, fmt: Formatters, zone: string): string {
  const instants = [...instantsOf(change.before), ...instantsOf(change.after)];
  const days = new Set(instants.map((at) => DateTime.fromJSDate(at, { zone: luxonZone(zone) }).toISODate()));
  const timesOnly = instants.length > 0 && days.size === 1 && change.code === 'changed';
  const time = (at: Date) => fmt.date(zone, at, 'time');
  const word = (v: AuditValue | undefined, last: boolean): string => {
    if (!v) return '';
    switch (v.kind) {
      case 'none':
        return '—';
      case 'text':
        return v.text;
      case 'number':
        return String(v.value);
      case 'flag':
        return t(v.value ? 'staff.yes' : 'staff.no');
      case 'list':
        return v.items.length ? v.items.join(', ') : '—';
      case 'id':
        return `#${v.id}`;
      case 'at':
        return timesOnly
          ? `${time(v.at)}${last ? ` ${fmt.zone(zone, v.at)}` : ''}`
          : `${fmt.date(zone, v.at, 'dayWithYear')}, ${time(v.at)} ${fmt.zone(zone, v.at)}`;
      case 'range':
        return timesOnly
          ? `${time(v.startsAt)}–${time(v.endsAt)}${last ? ` ${fmt.zone(zone, v.startsAt)}` : ''}`
          : fmt.range(zone, v.startsAt, v.endsAt);
    }
  };
  const key = FIELD_KEYS[change.field];
  return t(SENTENCE_KEYS[change.code], {
    field: key ? t(key) : change.field,
    before: word(change.before, false),
    after: word(change.after, true),
  });
}

/** An audit event as a row of the audit table and of a person's history. */
export interface AuditRowEvent {
  at: Date;
  actor: { displayName: string; email: string } | null;
  actorLabel: string;
  changes: AuditChange[];
  via?: AuditVia | null;
  zone: string;
}

/** "CSV import line 4" in the reader's language; a note stored as text as it is. */
export const viaText = (via: AuditVia, t: Translate): string =>
  via.kind === 'csvLine' ? t('staff.audit.viaCsvLine', { line: via.line }) : via.text;

export function auditRow<E extends AuditRowEvent>(e: E, t: Translate, fmt: Formatters, viewerZone: string) {
  return {
    ...e,
    when: `${fmt.date(viewerZone, e.at, 'dayWithYear')}, ${DateTime.fromJSDate(e.at, { zone: luxonZone(viewerZone) }).toFormat('HH:mm:ss')}`,
    actorName: e.actor ? `${e.actor.displayName} (${e.actor.email})` : e.actorLabel,
    sentences: e.changes.map((c) => auditSentence(c, t, fmt, e.zone)),
    via: e.via ? viaText(e.via, t) : null,
  };
}
