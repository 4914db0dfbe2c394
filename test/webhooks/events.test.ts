import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENTS, webhookEventForAudit } from '../../src/outbox/events.js';
import { phoneEventFor } from '../../src/outbox/outbox.js';

describe('webhook events', () => {
  it('are exactly the ones CONTRACT.md lists', () => {
    expect([...WEBHOOK_EVENTS].sort()).toEqual(
      [
        'reservation.created',
        'reservation.cancelled',
        'reservation.released',
        'reservation.checked_in',
        'reservation.extended',
        'phone.logged_in',
        'phone.logged_out',
        'phone.failed',
      ].sort(),
    );
  });

  it('come from the audit actions of booking changes; a no-show release is a release', () => {
    expect(webhookEventForAudit('reservation.create')).toBe('reservation.created');
    expect(webhookEventForAudit('reservation.cancel')).toBe('reservation.cancelled');
    expect(webhookEventForAudit('reservation.release')).toBe('reservation.released');
    expect(webhookEventForAudit('reservation.no_show')).toBe('reservation.released');
    expect(webhookEventForAudit('reservation.check-in')).toBe('reservation.checked_in');
    expect(webhookEventForAudit('reservation.extend')).toBe('reservation.extended');
    expect(webhookEventForAudit('reservation.move')).toBeUndefined();
    expect(webhookEventForAudit('site.update')).toBeUndefined();
  });

  it('come from the final state of phone actions; a skipped action is none', () => {
    expect(phoneEventFor({ kind: 'LOGIN', state: 'DONE' })).toBe('phone.logged_in');
    expect(phoneEventFor({ kind: 'LOGOUT', state: 'DONE' })).toBe('phone.logged_out');
    expect(phoneEventFor({ kind: 'LOGIN', state: 'FAILED' })).toBe('phone.failed');
    expect(phoneEventFor({ kind: 'LOGIN', state: 'CONFLICT' })).toBe('phone.failed');
    expect(phoneEventFor({ kind: 'LOGOUT', state: 'SKIPPED' })).toBeNull();
  });
});
