import type { EmRetryClass } from './em-codes.js';

/**
 * '4.1' offers only login, logout, deviceUserQuery and userDevicesQuery; 'modern' (8.x+) adds
 * logoutAll and deviceProfileQuery (SPEC 11).
 */
export type EmApiProfile = '4.1' | 'modern';

/** The subset of a pino logger the client uses. */
export interface EmLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child?(bindings: object): EmLogger;
}

export type EmOutcome<T = void> =
  | { ok: true; value: T }
  | {
      ok: false;
      kind: 'em';
      code: number;
      meaning: string;
      retry: EmRetryClass;
      /** Free-form server text, for people only; never branch on it (SPEC 2.3). */
      detail?: string;
    }
  | { ok: false; kind: 'transport'; reason: string };

export type EmFailure = Exclude<EmOutcome<never>, { ok: true }>;

export interface DeviceUser {
  deviceName: string;
  state: 'loggedIn' | 'free' | 'doesNotExist';
  userId?: string;
  /** 5.x+ `lastlogin`: who logged out of the device last (SPEC 4.4). */
  lastUserId?: string;
}

export interface UserDevices {
  userId: string;
  state: 'loggedIn' | 'none' | 'doesNotExist';
  deviceNames: string[];
}

export interface UserDeviceProfiles {
  userId: string;
  profiles: { name: string; isDefault: boolean }[];
  state: 'ok' | 'none' | 'doesNotExist';
}

export type LoginDuration = { profile?: string; minutes: number } | { profile?: string; indefinite: true };
