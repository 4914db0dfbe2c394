import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, newPage, signIn, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

let roost: RoostUnderTest;
beforeAll(async () => {
  roost = await startRoostWithBrowser();
});
afterAll(async () => roost?.close());

async function seriousViolations(page: import('playwright-core').Page) {
  const results = await new AxeBuilder({ page: page as never }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help}`);
}

describe('accounts in a real browser', () => {
  it('refuses a wrong password and says so on the page', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee, 'not-the-password');
    expect(await page.getByRole('alert').textContent()).toContain('do not match an active account');
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });

  it('signs in the demo employee, who cannot open staff pages', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('My bookings');
    const staff = await page.goto(`${roost.url}/staff`);
    expect(staff?.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');
    await page.close();
  });

  it('has no serious accessibility violations on the sign-in and home pages', async () => {
    const page = await newPage(roost);
    await page.goto(`${roost.url}/signin`);
    expect(await seriousViolations(page)).toEqual([]);
    await signIn(page, roost.url, DEMO.employee);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });
});
