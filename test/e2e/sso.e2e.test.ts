import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestProvider, type TestProvider } from '../auth/oidc-provider-harness.js';
import { DEMO, newPage, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

/** A port nobody listens on now, so ROOST_PUBLIC_URL (and the redirect URI) can name it up front. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let op: TestProvider;
let roost: RoostUnderTest;

beforeAll(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  op = await startTestProvider({
    redirectUri: `${publicUrl}/auth/oidc/callback`,
    postLogoutRedirectUri: `${publicUrl}/signin`,
    accounts: {
      // The demo's Ada, as the company directory knows her: linked to her account by email.
      'entra-ada': {
        email: DEMO.employee,
        email_verified: true,
        name: 'Ada Lovelace',
        preferred_username: 'ada',
        groups: ['Everyone'],
      },
      'entra-newcomer': {
        email: 'newcomer@roost.example',
        email_verified: true,
        name: 'Nia Newcomer',
        preferred_username: 'nnewcomer',
        groups: ['Roost Facilities'],
      },
    },
  });
  roost = await startRoostWithBrowser({
    config: {
      host: '127.0.0.1',
      port,
      publicUrl,
      passwordSignin: false,
      oidc: {
        issuer: op.issuer,
        clientId: op.clientId,
        clientSecret: op.clientSecret,
        redirectUri: `${publicUrl}/auth/oidc/callback`,
        emUserClaim: 'preferred_username',
        roleClaim: 'groups',
        facilitiesGroups: ['Roost Facilities'],
        adminGroups: ['Roost Admins'],
      },
    },
  });
});
afterAll(async () => {
  await roost?.close();
  await op?.close();
});

describe('single sign-on in a real browser', () => {
  it('signs in through the provider with the button, and signs out of both', async () => {
    const page = await newPage(roost);
    await page.goto(`${roost.url}/signin`);
    // Password sign-in is for administrators only: it sits behind "Administrator sign-in".
    expect(await page.getByLabel('Password').isVisible()).toBe(false);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();

    // The provider's own login and consent screens (oidc-provider's development interactions).
    await page.waitForURL(`${op.issuer}/**`);
    await page.locator('input[name="login"]').fill('entra-ada');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.waitForURL(`${roost.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My bookings');
    const ada = await roost.db.prisma.user.findUniqueOrThrow({ where: { email: DEMO.employee } });
    expect(ada.oidcSubject).toBe('entra-ada');

    await page.getByRole('button', { name: 'Sign out' }).click();
    // Roost's session is gone; the provider asks whether to end its own session too, then
    // sends the browser back to Roost's sign-in page.
    await page.waitForURL(`${op.issuer}/session/end**`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${roost.url}/signin`);
    const account = await page.goto(`${roost.url}/account`);
    expect(new URL(account!.url()).pathname).toBe('/signin');
    // The provider forgot her too: single sign-on asks for a login again.
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL(`${op.issuer}/**`);
    expect(await page.locator('input[name="login"]').isVisible()).toBe(true);
    await page.close();
  });

  it('creates a newcomer on first sign-in with the role their groups give', async () => {
    const page = await newPage(roost);
    await page.goto(`${roost.url}/staff`);
    await page.waitForURL(/\/signin/);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL(`${op.issuer}/**`);
    await page.locator('input[name="login"]').fill('entra-newcomer');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    // Back where they were going: the staff pages, which facilities staff may open.
    await page.waitForURL(`${roost.url}/staff`);
    const user = await roost.db.prisma.user.findUniqueOrThrow({ where: { email: 'newcomer@roost.example' } });
    expect(user).toMatchObject({ role: 'FACILITIES', emUserId: 'nnewcomer', displayName: 'Nia Newcomer' });
    await page.close();
  });
});
