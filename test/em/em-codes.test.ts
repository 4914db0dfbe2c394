import { describe, expect, it } from 'vitest';
import { emCodeMeaning, emRetryClass, EM_CODE_UNSUPPORTED } from '../../src/em/em-codes.js';

describe('EM code table (SPEC 8)', () => {
  it.each([
    [0, 'Unknown Error'],
    [3, 'Invalid App User'],
    [11, 'Device does not exist'],
    [12, 'Dev. Profile not found'],
    [18, 'Another user logged in'],
    [19, 'No user logged in'],
    [23, 'User does not exist'],
    [25, 'User logged in elsewhere'],
    [26, 'Busy, please try again'],
    [47, 'DN has multiple users'],
  ])('code %i means %s', (code, meaning) => {
    expect(emCodeMeaning(code)).toBe(meaning);
  });

  it('has a meaning for every documented non-EMCC code', () => {
    for (const code of [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30,
    ]) {
      expect(emCodeMeaning(code)).not.toMatch(/^Unknown EM code/);
    }
  });

  it('names reserved and unknown codes generically', () => {
    expect(emCodeMeaning(13)).toBe('Unknown EM code 13');
    expect(emCodeMeaning(24)).toBe('Unknown EM code 24');
    expect(emCodeMeaning(201)).toBe('Unknown EM code 201');
    expect(emCodeMeaning(EM_CODE_UNSUPPORTED)).toBe('not available on this cluster profile');
  });

  it('assigns the SPEC 8 retry classes', () => {
    const byClass = (cls: string) =>
      Array.from({ length: 50 }, (_, code) => code).filter((code) => emRetryClass(code) === cls);
    expect(byClass('backoff')).toEqual([26]);
    expect(byClass('transient')).toEqual([0, 4, 6, 7, 9, 20, 21, 29]);
    expect(byClass('conflict')).toEqual([18, 19, 25]);
    for (const code of [1, 2, 3, 8, 10, 11, 12, 22, 23, 27, 28, 30, 13, 24, 31, 47]) {
      expect(emRetryClass(code)).toBe('permanent');
    }
    expect(emRetryClass(EM_CODE_UNSUPPORTED)).toBe('permanent');
  });
});
