import { describe, expect, it } from 'vitest';
import { mayChange, type StaffActor } from '../../src/admin/people-permissions.js';

const admin: StaffActor = { id: 1, label: 'admin@test.example', role: 'ADMIN' };
const facilities: StaffActor = { id: 2, label: 'fm@test.example', role: 'FACILITIES' };
const employee = { id: 3, role: 'EMPLOYEE' as const };
const otherAdmin = { id: 4, role: 'ADMIN' as const };

describe('mayChange (people permissions)', () => {
  it('lets only an admin create an admin', () => {
    expect(mayChange(facilities, null, { role: 'ADMIN' })).toBe('grant-admin');
    expect(mayChange(facilities, null, { role: 'FACILITIES' })).toBeNull();
    expect(mayChange(admin, null, { role: 'ADMIN' })).toBeNull();
  });
  it("lets only an admin edit an admin's account or change a role", () => {
    expect(mayChange(facilities, otherAdmin, {})).toBe('edit-admin');
    expect(mayChange(facilities, employee, { role: 'FACILITIES' })).toBe('change-role');
    expect(mayChange(facilities, employee, { role: 'EMPLOYEE' })).toBeNull();
    expect(mayChange(facilities, employee, { disabled: true })).toBeNull();
    expect(mayChange(admin, otherAdmin, { role: 'EMPLOYEE' })).toBeNull();
  });
  it('never lets anyone re-role or disable themselves', () => {
    expect(mayChange(admin, { id: admin.id, role: 'ADMIN' }, { role: 'EMPLOYEE' })).toBe('own-role');
    expect(mayChange(facilities, { id: facilities.id, role: 'FACILITIES' }, { disabled: true })).toBe(
      'disable-self',
    );
  });
});
