/**
 * Durable device state and logout schedule (SPEC 6.3 item 5, CONTROL.md `--state`).
 *
 * The file is a snapshot plus a journal beside it (`FILE.journal`): each change appends one line
 * with only the devices and expiries that changed, and every COMPACT_AFTER_LINES lines the
 * snapshot is rewritten whole (temp file + rename, so a crash never leaves half a snapshot) and the
 * journal starts again. Rewriting every device after each login made the emulator itself the
 * slowest part of a rush: 14 ms of blocked event loop per login with 5 000 phones, for all nodes.
 *
 * Each journal line carries the snapshot's generation, so lines left over from before a rewrite
 * (a crash between rename and truncation) are never replayed onto the newer snapshot; a torn last
 * line (a crash mid-append) is ignored.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { LogoutAllItem, SchedulerSnapshot } from './logout-scheduler.js';
import type { DeviceRecord } from './state.js';

export interface StateFileContent {
  version: 1;
  savedAt: string;
  devices: DeviceRecord[];
  schedule: SchedulerSnapshot;
}

interface Snapshot extends StateFileContent {
  /** Which journal lines belong to this snapshot (absent in files written before the journal). */
  generation?: string;
}

interface JournalLine {
  generation: string;
  savedAt: string;
  devices: DeviceRecord[];
  /** Expiries set or moved, and device keys whose expiry went. */
  set: { deviceKey: string; dueAt: number }[];
  unset: string[];
  /** The whole logoutAll queue, when it changed (it is short). */
  logoutAll?: LogoutAllItem[];
}

export class StateFileRejected extends Error {}

const COMPACT_AFTER_LINES = 2_000;
const journalOf = (path: string) => `${path}.journal`;

export function readStateFile(path: string): StateFileContent | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StateFileRejected(`state file ${path} is unreadable: ${(error as Error).message}`);
  }
  const content = parsed as Partial<Snapshot>;
  if (
    content?.version !== 1 ||
    !Array.isArray(content.devices) ||
    !Array.isArray(content.schedule?.expiries) ||
    !Array.isArray(content.schedule?.logoutAll)
  ) {
    throw new StateFileRejected(`state file ${path} has an unknown format`);
  }
  return replayJournal(path, content as Snapshot);
}

function replayJournal(path: string, snapshot: Snapshot): StateFileContent {
  const { generation, ...content } = snapshot;
  const journal = journalOf(path);
  if (generation === undefined || !existsSync(journal)) return content;
  const devices = new Map(content.devices.map((d) => [d.name, d]));
  const expiries = new Map(content.schedule.expiries.map((e) => [e.deviceKey, e.dueAt]));
  let logoutAll = content.schedule.logoutAll;
  let savedAt = content.savedAt;
  for (const text of readFileSync(journal, 'utf8').split('\n')) {
    if (text === '') continue;
    let line: JournalLine;
    try {
      line = JSON.parse(text) as JournalLine;
    } catch {
      break; // torn last line: the change it held was never acknowledged as saved
    }
    if (line.generation !== generation) continue;
    for (const d of line.devices) devices.set(d.name, d);
    for (const e of line.set) expiries.set(e.deviceKey, e.dueAt);
    for (const key of line.unset) expiries.delete(key);
    if (line.logoutAll) logoutAll = line.logoutAll;
    savedAt = line.savedAt;
  }
  return {
    version: 1,
    savedAt,
    devices: [...devices.values()],
    schedule: { expiries: [...expiries].map(([deviceKey, dueAt]) => ({ deviceKey, dueAt })), logoutAll },
  };
}

/** What this process last wrote per file: the base of the next journal line. */
interface Written {
  generation: string;
  lines: number;
  devices: Map<string, DeviceRecord>;
  expiries: Map<string, number>;
  logoutAll: string;
}
const written = new Map<string, Written>();

const sameDevice = (a: DeviceRecord | undefined, b: DeviceRecord) =>
  a !== undefined &&
  a.emEnabled === b.emEnabled &&
  a.currentUser === b.currentUser &&
  a.currentProfile === b.currentProfile &&
  a.loginAt === b.loginAt &&
  a.loginDurationSec === b.loginDurationSec &&
  a.lastUser === b.lastUser;

export function writeStateFile(path: string, content: StateFileContent): void {
  const base = written.get(path);
  if (!base || base.lines >= COMPACT_AFTER_LINES) {
    writeSnapshot(path, content, randomUUID());
    return;
  }
  const devices = content.devices.filter((d) => !sameDevice(base.devices.get(d.name), d));
  const now = new Map(content.schedule.expiries.map((e) => [e.deviceKey, e.dueAt]));
  const set = content.schedule.expiries.filter((e) => base.expiries.get(e.deviceKey) !== e.dueAt);
  const unset = [...base.expiries.keys()].filter((key) => !now.has(key));
  const logoutAll = JSON.stringify(content.schedule.logoutAll);
  const line: JournalLine = {
    generation: base.generation,
    savedAt: content.savedAt,
    devices,
    set,
    unset,
    ...(logoutAll !== base.logoutAll ? { logoutAll: content.schedule.logoutAll } : {}),
  };
  appendFileSync(journalOf(path), `${JSON.stringify(line)}\n`);
  for (const d of devices) base.devices.set(d.name, { ...d });
  base.expiries = now;
  base.logoutAll = logoutAll;
  base.lines++;
}

function writeSnapshot(path: string, content: StateFileContent, generation: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ ...content, generation } satisfies Snapshot, null, 2));
  renameSync(temp, path);
  // Lines of the previous generation are ignored from here on; removing them saves the space.
  rmSync(journalOf(path), { force: true });
  written.set(path, {
    generation,
    lines: 0,
    devices: new Map(content.devices.map((d) => [d.name, { ...d }])),
    expiries: new Map(content.schedule.expiries.map((e) => [e.deviceKey, e.dueAt])),
    logoutAll: JSON.stringify(content.schedule.logoutAll),
  });
}
