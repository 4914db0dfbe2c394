import { describe, expect, it } from 'vitest';
import { createTurns } from '../../src/booking/desk-turns.js';

/** A promise and the function that settles it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('bookings of one desk take turns within the process', () => {
  it('holds later calls for a key until the turn in flight settles, then asks them all again at once', async () => {
    const turns = createTurns<number>();
    const first = gate();
    const asked = gate();
    const log: string[] = [];
    let askedCount = 0;
    const a = turns.inTurn(
      1,
      async () => {
        log.push('a turn');
        await first.opened;
        return 'a';
      },
      async () => void log.push('a asked'),
    );
    // b and c find a in flight; after it settles both ask (in parallel: neither waits for the
    // other's question), one of them then takes the turn, the other waits for it and asks again.
    const waiter = (name: string) =>
      turns.inTurn(
        1,
        async () => (log.push(`${name} turn`), name),
        async () => {
          log.push(`${name} asked`);
          if (++askedCount === 2) asked.open();
          await asked.opened;
        },
      );
    const b = waiter('b');
    const c = waiter('c');
    await Promise.resolve();
    expect(log).toEqual(['a turn']);
    first.open();
    expect(await Promise.all([a, b, c])).toEqual(['a', 'b', 'c']);
    expect(log.slice(0, 3)).toEqual(['a turn', 'b asked', 'c asked']);
    expect(log.filter((l) => l.endsWith('turn'))).toEqual(['a turn', 'b turn', 'c turn']);
    expect(log.filter((l) => l === 'c asked')).toHaveLength(2);
    expect(turns.size).toBe(0);
  });

  it('a waiter that is refused after waiting never takes the turn; other keys run meanwhile', async () => {
    const turns = createTurns<number>();
    const held = gate();
    const log: string[] = [];
    const a = turns.inTurn(
      1,
      async () => {
        await held.opened;
        throw new Error('the booking failed');
      },
      async () => {},
    );
    const b = turns.inTurn(
      1,
      async () => (log.push('b turn'), 'b'),
      async () => {
        throw new Error('taken meanwhile');
      },
    );
    await turns.inTurn(
      2,
      async () => log.push('other desk'),
      async () => {},
    );
    expect(log).toEqual(['other desk']);
    held.open();
    await expect(a).rejects.toThrow('the booking failed');
    await expect(b).rejects.toThrow('taken meanwhile');
    expect(log).toEqual(['other desk']);
    expect(turns.size).toBe(0);
  });
});
