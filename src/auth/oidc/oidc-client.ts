import * as client from 'openid-client';
import type { Config } from '../../config.js';
import type { Clock } from '../../time/clock.js';
import { MINUTE_MS } from '../../time/clock.js';

export type OidcConfig = NonNullable<Config['oidc']>;

/** What Roost keeps between the redirect to the provider and its answer (in a signed cookie). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  next: string;
  /** Milliseconds since the epoch, on Roost's clock. */
  expiresAt: number;
}

export const PENDING_TTL_MS = 10 * MINUTE_MS;

export type Claims = Record<string, unknown> & { sub: string };

export class OidcSignInError extends Error {
  constructor(
    /** What went wrong, for the log (never tokens). */
    message: string,
    /** A message a person can act on, shown on the sign-in page. */
    readonly userMessage: string,
    options?: { cause?: unknown; status?: 400 | 403 | 503 },
  ) {
    super(message, options);
    this.name = 'OidcSignInError';
    this.status = options?.status ?? 400;
  }
  /** 400: the sign-in attempt was invalid; 403: the account is refused; 503: provider down. */
  readonly status: 400 | 403 | 503;
}

/**
 * The relying party: discovery on first use (Roost starts when the provider is down), the
 * authorization code flow with PKCE (S256), state and nonce through `openid-client`, and
 * RP-initiated logout when the provider offers it.
 */
export function createOidcClient(oidc: OidcConfig, clock: Clock) {
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret,
        undefined,
        // A plain-http issuer (a lab Keycloak on the LAN) is allowed because the admin named it.
        oidc.issuer.startsWith('http:') ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        discovered = undefined; // try again on the next sign-in
        throw new OidcSignInError(
          `OpenID Provider discovery failed: ${(error as Error).message}`,
          'Single sign-on is not reachable right now. Try again in a moment, or ask your administrator.',
          { cause: error, status: 503 },
        );
      });
    return discovered;
  }

  return {
    /** Where to send the browser, and what to remember until it comes back. */
    async start(next: string): Promise<{ url: string; pending: PendingSignIn }> {
      const config = await configuration();
      const codeVerifier = client.randomPKCECodeVerifier();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier,
        next,
        expiresAt: clock.now().getTime() + PENDING_TTL_MS,
      };
      const scopes = ['openid', 'email', 'profile'];
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: oidc.redirectUri,
        scope: scopes.join(' '),
        response_type: 'code',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    /**
     * Checks the provider's answer (state, code, PKCE, ID token signature, issuer, audience,
     * nonce) and returns the person's claims: the ID token's, completed from userinfo.
     */
    async finish(
      query: Record<string, string>,
      pending: PendingSignIn | null,
    ): Promise<{ claims: Claims; idToken: string | undefined }> {
      if (!pending || pending.expiresAt <= clock.now().getTime()) {
        throw new OidcSignInError(
          'no pending sign-in (cookie missing or expired)',
          'Your single sign-on attempt expired or was started in another browser. Please try again.',
        );
      }
      if (typeof query.error === 'string') {
        throw new OidcSignInError(
          `provider answered ${query.error}: ${query.error_description ?? ''}`,
          query.error === 'access_denied'
            ? 'Single sign-on was cancelled.'
            : 'Your identity provider refused the sign-in. Please try again or ask your administrator.',
        );
      }
      const config = await configuration();
      // The URL the provider redirected to, rebuilt from ROOST_PUBLIC_URL, never from Host.
      const currentUrl = new URL(oidc.redirectUri);
      for (const [k, v] of Object.entries(query)) currentUrl.searchParams.set(k, v);
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw new OidcSignInError(
          `authorization code grant failed: ${(error as Error).message}`,
          'Single sign-on could not be completed (the answer from your identity provider was invalid or expired). Please try again.',
          { cause: error },
        );
      }
      const idClaims = tokens.claims();
      if (!idClaims) throw new OidcSignInError('no ID token', 'Single sign-on did not return an identity.');
      let userinfo: Record<string, unknown> = {};
      if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
        try {
          userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        } catch {
          // Userinfo only completes the ID token; Entra ID's Graph userinfo adds little.
          userinfo = {};
        }
      }
      return { claims: { ...userinfo, ...idClaims } as Claims, idToken: tokens.id_token };
    },

    /** The provider's RP-initiated logout URL, or null when it offers none. */
    async endSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<string | null> {
      let config;
      try {
        config = await configuration();
      } catch {
        return null;
      }
      if (!config.serverMetadata().end_session_endpoint) return null;
      const params: Record<string, string> = {
        post_logout_redirect_uri: postLogoutRedirectUri,
        client_id: oidc.clientId,
      };
      if (idToken) params.id_token_hint = idToken;
      return client.buildEndSessionUrl(config, params).href;
    },
  };
}
export type OidcClient = ReturnType<typeof createOidcClient>;
