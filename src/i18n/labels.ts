/**
 * Catalogue keys for values that pages show by name (a role, a weekday), spelled out so the
 * catalogue test sees every key in use. Templates get these as `it.labels`.
 */
export const LABEL_KEYS = {
  role: {
    EMPLOYEE: 'staff.role.EMPLOYEE',
    FACILITIES: 'staff.role.FACILITIES',
    ADMIN: 'staff.role.ADMIN',
  } as Record<string, string>,
  /** ISO weekday (1 = Monday) to its name. */
  weekday: {
    1: 'series.weekday.1',
    2: 'series.weekday.2',
    3: 'series.weekday.3',
    4: 'series.weekday.4',
    5: 'series.weekday.5',
    6: 'series.weekday.6',
    7: 'series.weekday.7',
  } as Record<number, string>,
};
