import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real, certified OpenID Provider (`oidc-provider`) for the tests: its own RSA signing key,
 * a test user store whose claims the test can change between sign-ins, the development
 * login screens (`devInteractions`: any account id logs in), PKCE required, and RP-initiated
 * logout. It listens on 127.0.0.1 on a random port.
 */
export type TestClaims = Record<string, unknown>;

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Account id (the `sub`) -> claims; change them between sign-ins. */
  accounts: Map<string, TestClaims>;
  /** Seconds an authorization code lives (change it to test an expired code). */
  codeTtlSeconds: number;
  close(): Promise<void>;
}

export async function startTestProvider(options: {
  redirectUri: string;
  postLogoutRedirectUri: string;
  accounts?: Record<string, TestClaims>;
}): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'roost-test';
  const clientSecret = randomBytes(24).toString('hex');
  const accounts = new Map(Object.entries(options.accounts ?? {}));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

  const state: TestProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    codeTtlSeconds: 60,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        post_logout_redirect_uris: [options.postLogoutRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'groups'],
    },
    ttl: { AuthorizationCode: () => state.codeTtlSeconds },
    findAccount: async (_ctx, id) => {
      const claims = accounts.get(id);
      if (!claims) return undefined;
      return { accountId: id, claims: async () => ({ ...claims, sub: id }) };
    },
  });
  // Quiet: the provider's own errors (e.g. an expired code) are part of what the tests check.
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return state;
}

/** A small browser for the provider's pages: a cookie jar and manual redirects. */
export class ProviderAgent {
  private jar = new Map<string, string>();

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    this.remember(res);
    return res;
  }

  /**
   * Follows the provider from an authorization URL through its login and consent screens as
   * `accountId`, until it redirects to `redirectUri`; returns that redirect (code, state, iss).
   */
  async authorize(authorizationUrl: string, accountId: string, redirectUri: string): Promise<URL> {
    let url = authorizationUrl;
    for (let step = 0; step < 12; step += 1) {
      const res = await this.request(url);
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(res.headers.get('location')!, url);
        if (next.href.startsWith(redirectUri)) return next;
        url = next.href;
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !prompt)
        throw new Error(`unexpected provider page (${res.status}): ${html.slice(0, 300)}`);
      const submitted = await this.request(new URL(action, url).href, {
        method: 'POST',
        form: prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt },
      });
      if (submitted.status < 300 || submitted.status >= 400)
        throw new Error(`provider refused the ${prompt} form: ${submitted.status}`);
      const next = new URL(submitted.headers.get('location')!, url);
      if (next.href.startsWith(redirectUri)) return next;
      url = next.href;
    }
    throw new Error('the provider never redirected back');
  }
}
