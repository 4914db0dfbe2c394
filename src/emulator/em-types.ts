/**
 * The emulator's shapes seen from outside the service: counters, node modes, the request log,
 * faults and the state view of the control plane (CONTROL.md).
 */
import type { EmulatorParams, EmulatorProfile } from './params.js';

export interface EmulatorCounters {
  requestsInProgress: number;
  requestsThrottled: number;
  requestsHandled: number;
  autoLogouts: number;
}

/** What a node counts itself (CONTROL.md "Several nodes"); the cluster's counters are their sums. */
export type NodeCounters = Omit<EmulatorCounters, 'autoLogouts'>;

/** How a node's EM path behaves: normal, HTTP 503 (service stopped), or never answering. */
export type NodeMode = 'up' | 'unavailable' | 'hang';
export const NODE_MODES: readonly NodeMode[] = ['up', 'unavailable', 'hang'];

export interface NodeView {
  /** From 1. */
  index: number;
  url: string;
  mode: NodeMode;
  counters: NodeCounters;
}

export interface RequestLogEntry {
  time: string;
  operation: string;
  deviceName: string | null;
  userID: string | null;
  outcome: 'success' | 'failure';
  code: number | null;
  latencyMs: number;
}

export type FaultOp = 'login' | 'logout' | 'logoutAll' | 'query';

export interface FaultSpec {
  code: number;
  op?: FaultOp;
  count?: number;
  deviceName?: string;
  userID?: string;
}

export interface DeviceView {
  name: string;
  emEnabled: boolean;
  currentUser: string | null;
  currentProfile: string | null;
  loginAt: string | null;
  autoLogoutAt: string | null;
  lastUser: string | null;
}

export interface StateView {
  now: string;
  profile: EmulatorProfile;
  params: EmulatorParams;
  counters: EmulatorCounters;
  nodes: NodeView[];
  devices: DeviceView[];
}

export interface LogoutRecord {
  deviceName: string;
  userID: string | null;
  reason: 'expiry' | 'logoutAll';
  dueAt: string;
}

export interface EmRequestContext {
  /** Connection source address (SPEC 4.1 notes: used when remoteIPAddr is absent). */
  remoteAddress: string;
  /** An HTTP Via header was present (SPEC 5 step 7). */
  viaHeader: boolean;
  /** The node (from 1) that received the request; default 1. */
  node?: number;
}

export interface ServiceLogger {
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}
