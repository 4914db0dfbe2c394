import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, newPage, signIn, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

/**
 * Roost as a LAN install serves it: plain HTTP on an address that is not localhost
 * (ROOST_PUBLIC_URL=http://<address>:<port>). Browsers treat localhost as secure, so only a
 * real address shows what an https-only header (upgrade-insecure-requests) does to styles and
 * scripts. The machine's own non-loopback IPv4 address is used; 127.0.0.2 only if it has none.
 */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.2';
}

/** A port that is free on `host` now (Roost needs it up front: ROOST_PUBLIC_URL names it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let roost: RoostUnderTest;
const host = lanAddress();
beforeAll(async () => {
  const port = await freePort(host);
  roost = await startRoostWithBrowser({
    config: {
      host,
      port,
      publicUrl: `http://${host}:${port}`,
      httpsPublicUrl: false,
      secureCookies: false,
    },
  });
});
afterAll(async () => roost?.close());

describe(`plain HTTP on a LAN address (${host})`, () => {
  it('loads styles and scripts, the page is styled, and sign-in and a form work', async () => {
    expect(new URL(roost.url).hostname).not.toMatch(/^(localhost|127\.0\.0\.1)$/);
    const page = await newPage(roost);
    const failed: string[] = [];
    const assets = new Map<string, number>();
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/public/')) assets.set(r.url(), r.status());
    });

    await signIn(page, roost.url, DEMO.employee);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My bookings');
    expect(failed).toEqual([]);
    // Fetched over plain http from the public address, not upgraded to https.
    expect(assets.get(`${roost.url}/public/roost.css`)).toBe(200);
    expect(assets.get(`${roost.url}/public/roost.js`)).toBe(200);
    // The stylesheet applies: roost.css paints the page #f6f7f9 and lays the header out.
    const style = await page.evaluate(() => ({
      background: getComputedStyle(document.documentElement).backgroundColor,
      sheets: [...document.styleSheets].filter((s) => s.cssRules.length > 0).length,
      skipLinkLeft: getComputedStyle(document.querySelector('.skip-link')!).left,
    }));
    expect(style).toEqual({ background: 'rgb(246, 247, 249)', sheets: 1, skipLinkLeft: '-999px' });

    // A second form (POST with CSRF cookie over http): the calendar link, built from the public URL.
    await page.goto(`${roost.url}/account/calendar`);
    await page.getByRole('button', { name: 'Create link' }).click();
    await page.waitForLoadState('load');
    const feed = await page.getByLabel('Calendar link').inputValue();
    expect(feed).toMatch(new RegExp(`^${roost.url.replace(/\./g, '\\.')}/calendar/[^/]+\\.ics$`));
    expect(failed).toEqual([]);
    await page.close();
  });
});
