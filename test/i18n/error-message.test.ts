import { describe, expect, it } from 'vitest';
import { RoostError, invalidInput, msg } from '../../src/errors.js';

// A RoostError's own message (logs, stack traces) is the English catalogue text, rendered only
// when read; the answer to a person is rendered by web/ in their language.
describe('RoostError.message', () => {
  it('is the English text of its catalogue key, in the stack trace too', () => {
    const error = new RoostError('INVALID_INPUT', msg('problem.booking.alreadyStarted'));
    const english = 'This booking has already started: release it instead to free the desk now.';
    expect(error.message).toBe(english);
    expect(String(error)).toBe(`RoostError: ${english}`);
    expect(error.stack?.split('\n')[0]).toBe(`RoostError: ${english}`);
    expect(() => {
      throw invalidInput(msg('problem.booking.alreadyStarted'));
    }).toThrow(english);
  });

  it('keeps a message assigned to it, for that error alone', () => {
    const error = new RoostError('INVALID_INPUT', msg('problem.booking.alreadyStarted'));
    error.message = 'with context: ' + error.message;
    expect(error.message).toMatch(/^with context: This booking has already started/);
    expect(new RoostError('INVALID_INPUT', msg('problem.booking.alreadyStarted')).message).toMatch(
      /^This booking/,
    );
  });
});
