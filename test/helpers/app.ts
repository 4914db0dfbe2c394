import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { Clock } from '../../src/time/clock.js';
import { TEST_PASSWORD } from './factories.js';

export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  const base = loadConfig({ LOG_LEVEL: 'silent', ROOST_DATA_DIR: '/tmp/roost-test-unused' });
  return Object.freeze({
    ...base,
    sessionSecret: 'test-session-secret-that-is-long-enough-0123456789',
    ...overrides,
  });
}

export async function createTestApp(
  db: Database,
  clock: Clock,
  overrides: Partial<Config> = {},
): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(overrides), db, clock, logger: false });
  await app.ready();
  return app;
}

/** Cookie jar for app.inject: keeps cookies between requests like a browser. */
export class Browser {
  cookies = new Map<string, string>();
  /** `headers` go with every request, like a browser's own (e.g. Accept-Language). */
  constructor(
    readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
  ) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: LightMyRequestResponse) {
    for (const c of res.cookies) {
      // A cleared cookie comes back empty, with Max-Age 0 or an expiry at the epoch. Whether a
      // live cookie has expired is the server's business (it checks sessions on its own clock),
      // so the jar never compares expiries with the machine's clock.
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() <= 0))
        this.cookies.delete(c.name);
      // light-my-request hands back decoded values; send them encoded, as a browser would.
      else this.cookies.set(c.name, encodeURIComponent(c.value));
    }
    return res;
  }

  async get(url: string) {
    return this.keep(
      await this.app.inject({
        method: 'GET',
        url,
        headers: { ...this.headers, cookie: this.cookieHeader(), accept: 'text/html' },
      }),
    );
  }

  /** The CSRF token of the form on a page. */
  async csrfFrom(url: string): Promise<string> {
    const res = await this.get(url);
    const m = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!m) throw new Error(`No CSRF token on ${url} (status ${res.statusCode})`);
    return m[1]!;
  }

  async post(
    url: string,
    form: Record<string, string | string[]>,
    options: { csrfFrom?: string; csrf?: string | null } = {},
  ) {
    const csrf = options.csrf === undefined ? await this.csrfFrom(options.csrfFrom ?? '/') : options.csrf;
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
    if (csrf) body.set('_csrf', csrf);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body.toString(),
        headers: {
          ...this.headers,
          cookie: this.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
        },
      }),
    );
  }

  async signIn(email: string, password = TEST_PASSWORD) {
    const res = await this.post('/signin', { email, password, next: '/' }, { csrfFrom: '/signin' });
    if (res.statusCode !== 303) throw new Error(`sign-in failed for ${email}: ${res.statusCode}`);
    return res;
  }
}

/** A Bearer token for the JSON API. */
export async function apiToken(
  app: FastifyInstance,
  email: string,
  password = TEST_PASSWORD,
): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { email, password } });
  if (res.statusCode !== 201) throw new Error(`token for ${email}: ${res.statusCode} ${res.body}`);
  return res.json<{ token: string }>().token;
}
