/**
 * Durable device state and logout schedule (SPEC 6.3 item 5, CONTROL.md `--state`). Written
 * atomically (temp file + rename) after each change so a crash never leaves half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { SchedulerSnapshot } from './logout-scheduler.js';
import type { DeviceRecord } from './state.js';

export interface StateFileContent {
  version: 1;
  savedAt: string;
  devices: DeviceRecord[];
  schedule: SchedulerSnapshot;
}

export class StateFileRejected extends Error {}

export function readStateFile(path: string): StateFileContent | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StateFileRejected(`state file ${path} is unreadable: ${(error as Error).message}`);
  }
  const content = parsed as Partial<StateFileContent>;
  if (
    content?.version !== 1 ||
    !Array.isArray(content.devices) ||
    !Array.isArray(content.schedule?.expiries) ||
    !Array.isArray(content.schedule?.logoutAll)
  ) {
    throw new StateFileRejected(`state file ${path} has an unknown format`);
  }
  return content as StateFileContent;
}

export function writeStateFile(path: string, content: StateFileContent): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(content, null, 2));
  renameSync(temp, path);
}
