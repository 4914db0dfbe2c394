/**
 * Drives an in-process emulator over real HTTP: EM messages as a client would send them, and
 * the /__sim/ control plane for state, clock, params and faults.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  startEmulator,
  validateFixture,
  type EmulatorFixture,
  type EmulatorOptions,
  type EmulatorProfile,
  type RunningEmulator,
  type StateView,
} from '../../src/emulator/index.js';

export const FIXTURE_S_PATH = fileURLToPath(new URL('./fixture-s.json', import.meta.url));
export const T0 = '2025-01-06T08:00:00.000Z';
export const SERVLET = '/emservice/EMServiceServlet';
export const DECL = '<?xml version="1.0"?>';
export const SUCCESS = `${DECL}<response><success/></response>`;

/** Reference fixture S (SPEC 14) with zero latency so tests need no real waiting. */
export function fixtureS(params: EmulatorFixture['params'] = {}): EmulatorFixture {
  const base = validateFixture(JSON.parse(readFileSync(FIXTURE_S_PATH, 'utf8')));
  return { ...base, params: { ...base.params, latencyMs: { login: 0, logout: 0, query: 0 }, ...params } };
}

export const APP = { appID: 'emapi', password: 'emapi-pass' };
export const ALICE_APP = { appID: 'alice', password: 'alice-pass' };

export function appInfo(app: { appID: string; password: string } = APP): string {
  return `<appInfo><appID>${app.appID}</appID><appCertificate>${app.password}</appCertificate></appInfo>`;
}

export function loginXml(
  deviceName: string,
  userID: string,
  extra: { profile?: string; minutes?: number; indefinite?: boolean; app?: typeof APP } = {},
): string {
  const profile = extra.profile !== undefined ? `<deviceProfile>${extra.profile}</deviceProfile>` : '';
  const duration =
    extra.minutes !== undefined
      ? `<exclusiveDuration><time>${extra.minutes}</time></exclusiveDuration>`
      : extra.indefinite
        ? '<exclusiveDuration><indefinite/></exclusiveDuration>'
        : '';
  return (
    `<request>${appInfo(extra.app)}<login><deviceName>${deviceName}</deviceName>` +
    `<userID>${userID}</userID>${profile}${duration}</login></request>`
  );
}

export function logoutXml(deviceName: string, app = APP): string {
  return `<request>${appInfo(app)}<logout><deviceName>${deviceName}</deviceName></logout></request>`;
}

export function deviceUserQueryXml(...devices: string[]): string {
  return `<query>${appInfo()}<deviceUserQuery>${devices.map((d) => `<deviceName>${d}</deviceName>`).join('')}</deviceUserQuery></query>`;
}

export function userQueryXml(element: string, ...users: string[]): string {
  return `<query>${appInfo()}<${element}>${users.map((u) => `<userID>${u}</userID>`).join('')}</${element}></query>`;
}

/** The `code` attribute of a failure, or 'success'. */
export function outcome(body: string): number | 'success' {
  if (body === SUCCESS || body === '<response><success/></response>') return 'success';
  const match = /<error code="(\d+)">/.exec(body);
  if (!match) throw new Error(`no outcome in ${body}`);
  return Number(match[1]);
}

export function failure(code: number, text: string): string {
  return `${DECL}<response><failure><error code="${code}">${text}</error></failure></response>`;
}

export class Harness {
  private constructor(
    readonly em: RunningEmulator,
    private readonly fixture: EmulatorFixture,
    private readonly profile: EmulatorProfile,
  ) {}

  static async start(
    profile: EmulatorProfile = '4.1',
    options: Partial<EmulatorOptions> = {},
  ): Promise<Harness> {
    const fixture = options.fixture ?? fixtureS();
    const em = await startEmulator({ port: 0, profile, clock: 'manual', startAt: T0, ...options, fixture });
    return new Harness(em, fixture, profile);
  }

  get url(): string {
    return this.em.url;
  }

  close(): Promise<void> {
    return this.em.close();
  }

  /** POSTs the XML form-encoded, as SPEC 2.2 prescribes; returns the response body. */
  async send(xml: string): Promise<string> {
    return this.sendRaw(`xml=${encodeURIComponent(xml)}`);
  }

  async sendRaw(body: string, headers: Record<string, string> = {}): Promise<string> {
    const response = await fetch(`${this.url}${SERVLET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });
    if (response.status !== 200) throw new Error(`EM answered HTTP ${response.status}`);
    return response.text();
  }

  async code(xml: string): Promise<number | 'success'> {
    return outcome(await this.send(xml));
  }

  async control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${this.url}/__sim${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
  }

  async reset(
    options: { profile?: EmulatorProfile; fixture?: EmulatorFixture; now?: string } = {},
  ): Promise<void> {
    const { status, json } = await this.control('POST', '/reset', {
      fixture: options.fixture ?? this.fixture,
      now: options.now ?? T0,
      profile: options.profile ?? this.profile,
    });
    if (status !== 200) throw new Error(`reset failed: ${JSON.stringify(json)}`);
  }

  async state(): Promise<StateView> {
    return (await this.control('GET', '/state')).json as StateView;
  }

  async device(name: string): Promise<StateView['devices'][number]> {
    const device = (await this.state()).devices.find((d) => d.name === name);
    if (!device) throw new Error(`no device ${name}`);
    return device;
  }

  async advance(seconds: number): Promise<unknown> {
    const { status, json } = await this.control('POST', '/clock', { advanceSeconds: seconds });
    if (status !== 200) throw new Error(`clock failed: ${JSON.stringify(json)}`);
    return json;
  }

  async params(patch: Record<string, unknown>): Promise<void> {
    const { status, json } = await this.control('PUT', '/params', patch);
    if (status !== 200) throw new Error(`params failed: ${JSON.stringify(json)}`);
  }

  async fault(fault: Record<string, unknown>): Promise<void> {
    const { status } = await this.control('POST', '/faults', fault);
    if (status !== 200) throw new Error('fault failed');
  }

  /** Devices and their logins only, for "nothing changed" comparisons. */
  async devicesSnapshot(): Promise<StateView['devices']> {
    return (await this.state()).devices;
  }
}
