import { readFile } from 'node:fs/promises';
import type { EmulatorParams } from './params.js';

/** Fixture format of CONTROL.md; a user's first profile is the default one. */
export interface EmulatorFixture {
  appUsers: { appID: string; password: string; proxyRights: boolean; mustChangePassword?: boolean }[];
  users: { userID: string; profiles: string[] }[];
  devices: { name: string; emEnabled: boolean }[];
  params?: Partial<EmulatorParams>;
}

export class FixtureRejected extends Error {}

function fail(message: string): never {
  throw new FixtureRejected(`invalid fixture: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(value)) fail(`${field} must be an array`);
  return value.map((item, index) => {
    if (!isObject(item)) fail(`${field}[${index}] must be an object`);
    return item;
  });
}

function text(item: Record<string, unknown>, key: string, where: string): string {
  const value = item[key];
  if (typeof value !== 'string' || value.trim() === '') fail(`${where}.${key} must be a non-empty string`);
  return value;
}

function flag(item: Record<string, unknown>, key: string, where: string, fallback?: boolean): boolean {
  const value = item[key] ?? fallback;
  if (typeof value !== 'boolean') fail(`${where}.${key} must be a boolean`);
  return value;
}

/**
 * Checks shape and uniqueness (names compare case-insensitively, SPEC 12) and returns a copy;
 * knob values inside `params` are checked when the emulator applies them.
 */
export function validateFixture(input: unknown): EmulatorFixture {
  if (!isObject(input)) fail('must be a JSON object');
  const seen = (kind: string) => {
    const names = new Set<string>();
    return (name: string) => {
      const key = name.toLowerCase();
      if (names.has(key)) fail(`duplicate ${kind} ${name}`);
      names.add(key);
    };
  };
  const seenApp = seen('appID');
  const appUsers = list(input.appUsers, 'appUsers').map((item, i) => {
    const where = `appUsers[${i}]`;
    const appID = text(item, 'appID', where);
    seenApp(appID);
    const password = item.password;
    if (typeof password !== 'string') fail(`${where}.password must be a string`);
    return {
      appID,
      password,
      proxyRights: flag(item, 'proxyRights', where),
      mustChangePassword: flag(item, 'mustChangePassword', where, false),
    };
  });
  const seenUser = seen('userID');
  const users = list(input.users, 'users').map((item, i) => {
    const where = `users[${i}]`;
    const userID = text(item, 'userID', where);
    seenUser(userID);
    const profiles = item.profiles ?? [];
    if (!Array.isArray(profiles) || !profiles.every((p) => typeof p === 'string' && p.trim() !== '')) {
      fail(`${where}.profiles must be an array of names`);
    }
    return { userID, profiles: [...(profiles as string[])] };
  });
  const seenDevice = seen('device');
  const devices = list(input.devices, 'devices').map((item, i) => {
    const where = `devices[${i}]`;
    const name = text(item, 'name', where);
    seenDevice(name);
    return { name, emEnabled: flag(item, 'emEnabled', where) };
  });
  if (input.params !== undefined && !isObject(input.params)) fail('params must be an object');
  const params =
    input.params === undefined ? undefined : (structuredClone(input.params) as EmulatorFixture['params']);
  return { appUsers, users, devices, ...(params ? { params } : {}) };
}

export async function loadFixtureFile(path: string): Promise<EmulatorFixture> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    throw new FixtureRejected(`cannot read fixture ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new FixtureRejected(`fixture ${path} is not JSON: ${(error as Error).message}`);
  }
  return validateFixture(parsed);
}
