/** EM codes (SPEC 8) to what the owner of a booking is told, in kinds; unknown codes are "other". */
import { describe, expect, it } from 'vitest';
import { phoneProblemOf } from '../../src/scheduler/phone-problems.js';

describe('phoneProblemOf', () => {
  it.each([
    [11, 'unknown-phone'],
    [12, 'unknown-user'],
    [23, 'unknown-user'],
    [5, 'em-disabled'],
    [22, 'em-disabled'],
    [2, 'phone-system-access'],
    [3, 'phone-system-access'],
    [10, 'phone-system-access'],
    [28, 'phone-system-access'],
    [30, 'phone-system-access'],
    [18, 'phone-taken'],
    [25, 'phone-taken'],
    [47, 'other'],
    [999, 'other'],
    [null, 'other'],
    [undefined, 'other'],
  ])('code %s is %s', (code, kind) => {
    expect(phoneProblemOf(code)).toBe(kind);
  });
});
