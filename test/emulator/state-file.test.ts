/**
 * The emulator's durable state: a snapshot plus a journal of changes. What is read back is what
 * was last written, through journal lines, rewrites, a torn last line and a crash between a
 * rewrite and the journal's removal.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStateFile, writeStateFile, type StateFileContent } from '../../src/emulator/state-file.js';

const device = (i: number, user: string | null = null) => ({
  name: `SEP00000000000${i}`,
  emEnabled: true,
  currentUser: user,
  currentProfile: user ? `UDP_${user}` : null,
  loginAt: user ? 1_000 + i : null,
  loginDurationSec: user ? 3600 : null,
  lastUser: null,
});

function state(users: (string | null)[], savedAt = '2026-03-02T08:00:00.000Z'): StateFileContent {
  return {
    version: 1,
    savedAt,
    devices: users.map((u, i) => device(i, u)),
    schedule: {
      expiries: users.flatMap((u, i) => (u ? [{ deviceKey: `sep00000000000${i}`, dueAt: 5_000 + i }] : [])),
      logoutAll: [],
    },
  };
}

const fresh = () => join(mkdtempSync(join(tmpdir(), 'em-state-file-')), 'state.json');

describe('emulator state file', () => {
  it('reads back the last state written, through journal lines', () => {
    const file = fresh();
    writeStateFile(file, state([null, null, null]));
    writeStateFile(file, state(['ann', null, null]));
    writeStateFile(file, state(['ann', 'bob', null], '2026-03-02T08:00:01.000Z'));
    writeStateFile(file, state([null, 'bob', null], '2026-03-02T08:00:02.000Z'));
    expect(existsSync(`${file}.journal`)).toBe(true);
    // Only what changed goes to the journal: the third write names bob's device alone.
    const lines = readFileSync(`${file}.journal`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[1].devices.map((d: { name: string }) => d.name)).toEqual(['SEP000000000001']);
    const back = readStateFile(file)!;
    expect(back.savedAt).toBe('2026-03-02T08:00:02.000Z');
    expect(back.devices.map((d) => d.currentUser)).toEqual([null, 'bob', null]);
    expect(back.schedule.expiries).toEqual([{ deviceKey: 'sep000000000001', dueAt: 5_001 }]);
  });

  it('ignores a torn last line (a crash while appending)', () => {
    const file = fresh();
    writeStateFile(file, state([null, null]));
    writeStateFile(file, state(['ann', null]));
    appendFileSync(`${file}.journal`, '{"generation":"');
    expect(readStateFile(file)!.devices.map((d) => d.currentUser)).toEqual(['ann', null]);
  });

  it('never replays journal lines of an older snapshot onto a newer one', () => {
    const file = fresh();
    writeStateFile(file, state([null]));
    writeStateFile(file, state(['ann']));
    const oldJournal = readFileSync(`${file}.journal`, 'utf8');
    // A newer snapshot (another process's first write), then a crash before the old journal went.
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...state(['cy']), generation: `${snapshot.generation}-newer` }));
    writeFileSync(`${file}.journal`, oldJournal);
    expect(readStateFile(file)!.devices[0]!.currentUser).toBe('cy');
  });

  it('reads a file written before the journal existed', () => {
    const file = fresh();
    writeFileSync(file, JSON.stringify(state(['ann'])));
    expect(readStateFile(file)!.devices[0]!.currentUser).toBe('ann');
  });
});
