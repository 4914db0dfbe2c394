/**
 * Test harness: the EM emulator in-process on port 0, driven through its /__sim/ control plane
 * (CONTROL.md), plus tiny misbehaving HTTP servers for transport failures.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '../../src/emulator/index.js';

export interface Fixture {
  appUsers: { appID: string; password: string; proxyRights: boolean }[];
  users: { userID: string; profiles: string[] }[];
  devices: { name: string; emEnabled: boolean }[];
  params?: Record<string, unknown>;
}

/** Reference fixture S (SPEC 14) plus the user `o'brien&co` for escaping round trips. */
export function fixtureS(): Fixture {
  return JSON.parse(readFileSync(new URL('./fixture-s.json', import.meta.url), 'utf8')) as Fixture;
}

/** Fixture S with `devices` extra EM-enabled devices and `users` extra users (one UDP each). */
export function bigFixture(devices: number, users: number): Fixture {
  const f = fixtureS();
  for (let i = 0; i < devices; i++) f.devices.push({ name: deviceName(i), emEnabled: true });
  for (let i = 0; i < users; i++) f.users.push({ userID: userName(i), profiles: [`UDP_${userName(i)}`] });
  return f;
}

export const deviceName = (i: number): string => `SEP${i.toString(16).toUpperCase().padStart(12, '0')}`;
export const userName = (i: number): string => `user${String(i).padStart(4, '0')}`;

export interface SimDevice {
  name: string;
  emEnabled: boolean;
  currentUser: string | null;
  currentProfile: string | null;
  loginAt: string | null;
  autoLogoutAt: string | null;
  lastUser: string | null;
}

export interface SimState {
  now: string;
  profile: string;
  params: Record<string, unknown>;
  counters: {
    requestsInProgress: number;
    requestsThrottled: number;
    requestsHandled: number;
    autoLogouts: number;
  };
  devices: SimDevice[];
}

export interface SimLogEntry {
  time: string;
  operation: string;
  deviceName: string | null;
  userID: string | null;
  outcome: string;
  code: number | null;
  latencyMs: number;
}

export interface Sim {
  url: string;
  close(): Promise<void>;
  reset(body: { profile?: '4.1' | 'modern'; fixture?: Fixture; now?: string }): Promise<SimState>;
  state(): Promise<SimState>;
  device(name: string): Promise<SimDevice | undefined>;
  params(knobs: Record<string, unknown>): Promise<unknown>;
  fault(spec: {
    code: number;
    op?: string;
    count?: number;
    deviceName?: string;
    userID?: string;
  }): Promise<unknown>;
  clock(body: { advanceSeconds: number } | { set: string }): Promise<unknown>;
  log(limit?: number): Promise<SimLogEntry[]>;
}

export async function startSim(profile: '4.1' | 'modern' = '4.1'): Promise<Sim> {
  const emulator = await startEmulator({
    port: 0,
    profile,
    fixture: fixtureS(),
    clock: 'manual',
    startAt: '2025-03-03T08:00:00Z',
  });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${emulator.url}/__sim/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} /__sim/${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: emulator.url,
    close: () => emulator.close(),
    reset: (body) => control('POST', 'reset', body),
    state: () => control('GET', 'state'),
    device: async (name) => (await control<SimState>('GET', 'state')).devices.find((d) => d.name === name),
    params: (knobs) => control('PUT', 'params', knobs),
    fault: (spec) => control('POST', 'faults', spec),
    clock: (body) => control('POST', 'clock', body),
    log: (limit = 1000) => control('GET', `log?limit=${limit}`),
  };
}

export interface StubServer {
  url: string;
  close(): Promise<void>;
}

/** A local HTTP server with a fixed behaviour, for replies no EM node would give. */
export async function startStub(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<StubServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
