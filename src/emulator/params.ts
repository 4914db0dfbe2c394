/**
 * Service parameters and emulator policy knobs (SPEC 9, 13; CONTROL.md "Knobs").
 * Defaults come from the profile, then the fixture's `params`, then `PUT /__sim/params`.
 */
import { MINUTE_MS } from './clock.js';

/** Longest latency a knob may set: ten minutes. */
const MAX_LATENCY_MS = 10 * MINUTE_MS;

export type EmulatorProfile = '4.1' | 'modern';
export type MultipleLoginBehavior = 'Allowed' | 'NotAllowed' | 'AutoLogout';

export interface LatencyMs {
  login: number;
  logout: number;
  query: number;
}

export interface EmulatorParams {
  multipleLoginBehavior: MultipleLoginBehavior;
  enforceMaxLoginTime: boolean;
  maxLoginTimeMinutes: number;
  capRequestedByMax: boolean;
  indefiniteOverridesMax: boolean;
  maxConcurrentRequests: number;
  schedulerTickSec: number;
  validateIp: boolean;
  trustedIps: string[];
  allowProxy: boolean;
  latencyMs: LatencyMs;
  strictGrammar: boolean;
  requireAssociatedProfile: boolean;
  allowGet: boolean;
  lenientRoot: boolean;
  acceptUnencodedForm: boolean;
  acceptRequestOnlyChildren: boolean;
  encodeUserIdInResponses: boolean;
  xmlDeclarationInResponse: boolean;
  deviceEntryForm: 'single' | 'lastLogin';
  queryFailureForm: 'errorMessage' | 'errorCode';
  /** Pace of the asynchronous logoutAll job (SPEC 5.3 [EMU] default 50/s). */
  logoutAllPerSecond: number;
}

export function profileDefaults(profile: EmulatorProfile): EmulatorParams {
  const isModern = profile === 'modern';
  return {
    multipleLoginBehavior: 'NotAllowed',
    enforceMaxLoginTime: false,
    maxLoginTimeMinutes: 480,
    capRequestedByMax: true,
    indefiniteOverridesMax: false,
    maxConcurrentRequests: isModern ? 5 : 3,
    schedulerTickSec: 0,
    validateIp: false,
    trustedIps: [],
    allowProxy: false,
    latencyMs: { login: 350, logout: 200, query: 30 },
    strictGrammar: true,
    requireAssociatedProfile: isModern,
    allowGet: true,
    lenientRoot: true,
    acceptUnencodedForm: true,
    acceptRequestOnlyChildren: isModern,
    encodeUserIdInResponses: isModern,
    xmlDeclarationInResponse: true,
    deviceEntryForm: isModern ? 'lastLogin' : 'single',
    queryFailureForm: isModern ? 'errorCode' : 'errorMessage',
    logoutAllPerSecond: 50,
  };
}

export class ParamsRejected extends Error {}

type Check = (value: unknown, profile: EmulatorProfile) => unknown;

const bool: Check = (v) => {
  if (typeof v !== 'boolean') throw new ParamsRejected('must be a boolean');
  return v;
};

const int =
  (min: number, max: number): Check =>
  (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ParamsRejected(`must be an integer ${min}..${max}`);
    }
    return v;
  };

const oneOf =
  (...values: string[]): Check =>
  (v) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new ParamsRejected(`must be one of ${values.join(', ')}`);
    }
    return v;
  };

const CHECKS: Record<keyof EmulatorParams, Check> = {
  multipleLoginBehavior: (v, profile) => {
    oneOf('Allowed', 'NotAllowed', 'AutoLogout')(v, profile);
    // SPEC 7.2 / 13: Auto Logout did not exist in 4.1.
    if (v === 'AutoLogout' && profile === '4.1')
      throw new ParamsRejected('AutoLogout is not available in 4.1');
    return v;
  },
  enforceMaxLoginTime: bool,
  // SPEC 9: Maximum Login Time 0:00-168:00.
  maxLoginTimeMinutes: int(0, 168 * 60),
  capRequestedByMax: bool,
  indefiniteOverridesMax: bool,
  // SPEC 10: range 1-100.
  maxConcurrentRequests: int(1, 100),
  schedulerTickSec: int(0, 86_400),
  validateIp: bool,
  trustedIps: (v) => {
    if (!Array.isArray(v) || !v.every((ip) => typeof ip === 'string')) {
      throw new ParamsRejected('must be an array of strings');
    }
    return [...(v as string[])];
  },
  allowProxy: bool,
  latencyMs: () => {
    throw new ParamsRejected('merged separately');
  },
  strictGrammar: bool,
  requireAssociatedProfile: bool,
  allowGet: bool,
  lenientRoot: bool,
  acceptUnencodedForm: bool,
  acceptRequestOnlyChildren: bool,
  encodeUserIdInResponses: bool,
  xmlDeclarationInResponse: bool,
  deviceEntryForm: oneOf('single', 'lastLogin'),
  queryFailureForm: oneOf('errorMessage', 'errorCode'),
  logoutAllPerSecond: int(1, 100_000),
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies a partial update; throws ParamsRejected naming the first bad knob and changes nothing. */
export function applyParams(base: EmulatorParams, patch: unknown, profile: EmulatorProfile): EmulatorParams {
  if (!isObject(patch)) throw new ParamsRejected('params must be a JSON object');
  const next: EmulatorParams = {
    ...base,
    latencyMs: { ...base.latencyMs },
    trustedIps: [...base.trustedIps],
  };
  const target = next as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (!Object.hasOwn(CHECKS, key)) throw new ParamsRejected(`unknown knob: ${key}`);
    if (key === 'latencyMs') {
      next.latencyMs = mergeLatency(next.latencyMs, value);
      continue;
    }
    try {
      target[key] = (CHECKS[key as keyof EmulatorParams] as Check)(value, profile);
    } catch (error) {
      throw new ParamsRejected(`${key} ${(error as Error).message}`);
    }
  }
  return next;
}

function mergeLatency(base: LatencyMs, value: unknown): LatencyMs {
  if (!isObject(value)) throw new ParamsRejected('latencyMs must be an object { login, logout, query }');
  const next = { ...base };
  for (const [op, ms] of Object.entries(value)) {
    if (op !== 'login' && op !== 'logout' && op !== 'query') {
      throw new ParamsRejected(`unknown knob: latencyMs.${op}`);
    }
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
      throw new ParamsRejected(`latencyMs.${op} must be a number of milliseconds 0..${MAX_LATENCY_MS}`);
    }
    next[op] = ms;
  }
  return next;
}
