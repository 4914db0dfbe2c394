import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WallTimeError, instantToWallTime, parseWallTime, wallTimeToInstant } from '../../src/time/zones.js';

// Fault and abuse suite (run alone with `npm test -- test/fault`): hostile input to the
// local-time conversion gets a WallTimeError with a message, never a crash or a wrong instant.
const zones = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'UTC',
];

describe('local time conversion under random and hostile input', () => {
  it('round-trips every existing wall time, and refuses only times in a DST gap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 1990, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, year, month, day, hour, minute) => {
          const wall = { year, month, day, hour, minute };
          try {
            const at = wallTimeToInstant(zone, wall);
            expect(instantToWallTime(zone, at)).toEqual(wall);
          } catch (error) {
            expect(error).toBeInstanceOf(WallTimeError);
            expect((error as WallTimeError).reason).toBe('nonexistent');
            // A gap is at most a few hours long and only around a transition.
            expect(hour).toBeLessThanOrEqual(4);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('answers arbitrary strings with a clear WallTimeError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.string({ maxLength: 20, unit: 'binary' }),
        (date, time) => {
          try {
            const wall = parseWallTime(date, time);
            wallTimeToInstant('Europe/Berlin', wall);
          } catch (error) {
            expect(error).toBeInstanceOf(WallTimeError);
            expect((error as Error).message.length).toBeGreaterThan(10);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses impossible dates and huge or negative fields', () => {
    fc.assert(
      fc.property(
        fc.record({
          year: fc.integer({ min: -100_000, max: 300_000 }),
          month: fc.integer({ min: -5, max: 20 }),
          day: fc.integer({ min: -5, max: 40 }),
          hour: fc.integer({ min: -5, max: 30 }),
          minute: fc.integer({ min: -5, max: 70 }),
        }),
        fc.constantFrom(...zones, 'Not/AZone', ''),
        (wall, zone) => {
          try {
            const at = wallTimeToInstant(zone, wall);
            expect(Number.isNaN(at.getTime())).toBe(false);
            expect(instantToWallTime(zone, at)).toEqual(wall);
          } catch (error) {
            expect(error).toBeInstanceOf(WallTimeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
