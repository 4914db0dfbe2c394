/**
 * Injected faults (CONTROL.md "Faults"): each answers the next matching operations with its code,
 * `count` times, then goes away.
 */
import type { FaultOp, FaultSpec } from './em-types.js';
import type { EmMessage } from './grammar.js';
import { key, type ClusterState } from './state.js';

/** The devices and users an operation touches, for matching a fault's filters. */
export interface FaultTargets {
  deviceNames: string[];
  userIDs: string[];
}

type PendingFault = Required<Pick<FaultSpec, 'code'>> & Omit<FaultSpec, 'count'> & { remaining: number };

export class FaultQueue {
  private faults: PendingFault[] = [];

  /** Returns how many faults are pending. */
  add(fault: FaultSpec): number {
    const { count = 1, ...rest } = fault;
    this.faults.push({ ...rest, remaining: count });
    return this.faults.length;
  }

  clear(): void {
    this.faults = [];
  }

  /** The code of the first fault matching this operation, used up by one; undefined if none. */
  take(op: FaultOp, targets: FaultTargets): number | undefined {
    const matches = (wanted: string | undefined, have: string[]) =>
      wanted === undefined || have.some((h) => key(h) === key(wanted));
    const index = this.faults.findIndex(
      (f) =>
        (f.op === undefined || f.op === op) &&
        matches(f.deviceName, targets.deviceNames) &&
        matches(f.userID, targets.userIDs),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.code;
  }
}

/** A logout targets the device's current user too, so a fault filtered by user matches it. */
export function faultTargets(message: EmMessage, cluster: ClusterState): FaultTargets {
  switch (message.op) {
    case 'login':
      return { deviceNames: [message.deviceName], userIDs: [message.userID] };
    case 'logout': {
      const current = cluster.device(message.deviceName)?.currentUser;
      return { deviceNames: [message.deviceName], userIDs: current ? [current] : [] };
    }
    case 'logoutAll':
      return { deviceNames: [], userIDs: [] };
    case 'deviceUserQuery':
      return { deviceNames: message.deviceNames, userIDs: [] };
    default:
      return { deviceNames: [], userIDs: message.userIDs };
  }
}
