import { describe, expect, it } from 'vitest';
import { auditChanges, idsInDetails, type AuditLookups } from '../../src/admin/audit-changes.js';

const lookups: AuditLookups = {
  deskLabels: new Map([
    [5, '3.05'],
    [9, '3.09'],
  ]),
  userNames: new Map([[7, 'Ada Lovelace']]),
  siteNames: new Map([[1, 'Berlin']]),
  floorNames: new Map(),
};

describe('auditChanges: stored audit details as changes to word', () => {
  it('names a moved booking by its desk labels, not ids', () => {
    expect(auditChanges({ before: { deskId: 5 }, after: { deskId: 9 } }, lookups).changes).toEqual([
      {
        code: 'changed',
        field: 'desk',
        before: { kind: 'text', text: '3.05' },
        after: { kind: 'text', text: '3.09' },
      },
    ]);
  });

  it('reads a start and end that both moved as one change of time', () => {
    const { changes } = auditChanges(
      {
        before: { startsAt: '2026-12-02T07:00:00.000Z', endsAt: '2026-12-02T15:00:00.000Z' },
        after: { startsAt: '2026-12-02T08:00:00.000Z', endsAt: '2026-12-02T16:00:00.000Z' },
      },
      lookups,
    );
    expect(changes).toEqual([
      {
        code: 'changed',
        field: 'time',
        before: {
          kind: 'range',
          startsAt: new Date('2026-12-02T07:00:00Z'),
          endsAt: new Date('2026-12-02T15:00:00Z'),
        },
        after: {
          kind: 'range',
          startsAt: new Date('2026-12-02T08:00:00Z'),
          endsAt: new Date('2026-12-02T16:00:00Z'),
        },
      },
    ]);
  });

  it('keeps an extension as a change of the end only', () => {
    const { changes } = auditChanges(
      { before: { endsAt: '2026-12-02T15:00:00.000Z' }, after: { endsAt: '2026-12-02T17:00:00.000Z' } },
      lookups,
    );
    expect(changes).toEqual([
      {
        code: 'changed',
        field: 'end',
        before: { kind: 'at', at: new Date('2026-12-02T15:00:00Z') },
        after: { kind: 'at', at: new Date('2026-12-02T17:00:00Z') },
      },
    ]);
  });

  it('lists only the fields that differ, with set and cleared apart from changed', () => {
    const { changes, via } = auditChanges(
      {
        before: { label: '3.01', bookable: true, phone: 'SEP0A1B2C3D4E5F', emUserId: null, homeSiteId: null },
        after: { label: '3.01', bookable: false, phone: null, emUserId: 'ada', homeSiteId: 1 },
        via: 'CSV import line 4',
      },
      lookups,
    );
    // Stored as English text before the line was stored as a number: read as that line.
    expect(via).toEqual({ kind: 'csvLine', line: 4 });
    expect(changes).toEqual([
      {
        code: 'changed',
        field: 'bookable',
        before: { kind: 'flag', value: true },
        after: { kind: 'flag', value: false },
      },
      { code: 'cleared', field: 'phone', before: { kind: 'text', text: 'SEP0A1B2C3D4E5F' } },
      { code: 'set', field: 'emUserId', after: { kind: 'text', text: 'ada' } },
      { code: 'set', field: 'homeSite', after: { kind: 'text', text: 'Berlin' } },
    ]);
  });

  it('shows what a creation set, skipping empty values, and the plan drawing never', () => {
    const { changes } = auditChanges(
      { before: null, after: { label: '3.05', features: ['standing'], phone: null, planSvg: '<svg/>' } },
      lookups,
    );
    expect(changes).toEqual([
      { code: 'set', field: 'label', after: { kind: 'text', text: '3.05' } },
      { code: 'set', field: 'features', after: { kind: 'list', items: ['standing'] } },
      { code: 'set', field: 'phone', after: { kind: 'none' } },
    ]);
  });

  it('gives the facts of a booking made for someone, a deleted desk as its id', () => {
    const { changes } = auditChanges(
      {
        deskId: 12,
        userId: 7,
        startsAt: '2026-12-02T07:00:00.000Z',
        endsAt: '2026-12-02T15:00:00.000Z',
        onBehalf: true,
      },
      lookups,
    );
    expect(changes).toEqual([
      { code: 'fact', field: 'desk', after: { kind: 'id', id: 12 } },
      { code: 'fact', field: 'person', after: { kind: 'text', text: 'Ada Lovelace' } },
      {
        code: 'fact',
        field: 'time',
        after: {
          kind: 'range',
          startsAt: new Date('2026-12-02T07:00:00Z'),
          endsAt: new Date('2026-12-02T15:00:00Z'),
        },
      },
      { code: 'fact', field: 'onBehalf', after: { kind: 'flag', value: true } },
    ]);
  });

  it('reads how a change was made: a CSV line stored as a number, or a note stored as text', () => {
    expect(auditChanges({ after: { label: '3.01' }, via: { csvLine: 7 } }, lookups).via).toEqual({
      kind: 'csvLine',
      line: 7,
    });
    expect(auditChanges({ after: { label: '3.01' }, via: 'SCIM' }, lookups).via).toEqual({
      kind: 'text',
      text: 'SCIM',
    });
    expect(auditChanges({ after: { label: '3.01' } }, lookups).via).toBeNull();
  });

  it('collects the ids to look up from both sides and the top level', () => {
    expect(idsInDetails({ before: { deskId: 5 }, after: { deskId: 9, homeSiteId: 1 }, userId: 7 })).toEqual({
      deskLabels: [5, 9],
      userNames: [7],
      siteNames: [1],
      floorNames: [],
    });
    expect(auditChanges('not an object', lookups)).toEqual({ changes: [], via: null });
  });
});
