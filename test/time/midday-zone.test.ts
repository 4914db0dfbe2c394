import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { zoneWhereItIsMidday } from '../helpers/zones.js';

describe('zoneWhereItIsMidday (for the tests that run on the real clock)', () => {
  it('gives a zone where any instant of the day is within half an hour of noon', () => {
    for (let minute = 0; minute < 24 * 60; minute += 7) {
      const at = new Date(Date.UTC(2026, 11, 5, 0, minute));
      const zone = zoneWhereItIsMidday(at);
      const local = DateTime.fromJSDate(at, { zone });
      expect(local.isValid, zone).toBe(true);
      expect(
        Math.abs(local.hour * 60 + local.minute - 12 * 60),
        `${at.toISOString()} in ${zone}`,
      ).toBeLessThanOrEqual(30);
    }
  });
});
