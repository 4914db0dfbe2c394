import { readFile } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { DateTime } from 'luxon';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../insight/parse-csv.js';
import { DEMO, newPage, signIn, startRoostWithBrowser, type RoostUnderTest } from './harness.js';

let roost: RoostUnderTest;
beforeAll(async () => {
  roost = await startRoostWithBrowser();
});
afterAll(async () => roost?.close());

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page: page as never }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** Every cell of the page's report tables as [table, row header, column header, value]. */
async function tableCells(page: Page): Promise<string[][]> {
  return page.$$eval('table[data-report-table]', (tables) =>
    tables.flatMap((table) => {
      const id = table.getAttribute('data-report-table')!;
      const columns = [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent!.trim());
      return [...table.querySelectorAll('tbody tr')]
        .filter((tr) => tr.querySelector('th[scope="row"]'))
        .flatMap((tr) => {
          const header = tr.querySelector('th[scope="row"]')!.textContent!.trim();
          return [...tr.querySelectorAll('td')].map((td, i) => [
            id,
            header,
            columns[i]!,
            td.textContent!.trim(),
          ]);
        });
    }),
  );
}

async function bookingsPerDay(page: Page) {
  return page.$$eval('#bookings-per-day tbody tr', (rows) =>
    rows.map((tr) => ({
      date: tr.querySelector('th')!.textContent!.trim(),
      bookings: Number(tr.querySelectorAll('td')[1]!.textContent),
    })),
  );
}

describe('occupancy dashboard in a real browser', () => {
  it('shows the demo data for the last and next four weeks, with charts beside their tables', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.facilities);
    const res = await page.goto(`${roost.url}/staff/insight`);
    expect(res?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Occupancy');
    expect(await page.getByLabel('Site', { exact: true }).inputValue()).not.toBe('');
    expect(await page.locator('select#insight-site option:checked').textContent()).toBe('Berlin');

    // Today in Berlin, four weeks back to four weeks ahead, every day a row.
    const today = DateTime.fromJSDate(roost.clock.now()).setZone('Europe/Berlin').startOf('day');
    const days = await bookingsPerDay(page);
    expect(days).toHaveLength(57);
    expect(days[0]!.date).toBe(today.minus({ days: 28 }).toISODate());
    expect(days[56]!.date).toBe(today.plus({ days: 28 }).toISODate());
    const todayIso = today.toISODate()!;
    // The demo books desks on working days over the past four weeks and the next two.
    expect(days.filter((d) => d.date < todayIso && d.bookings > 0).length).toBeGreaterThanOrEqual(15);
    expect(days.filter((d) => d.date > todayIso && d.bookings > 0).length).toBeGreaterThanOrEqual(5);
    expect(days.filter((d) => d.date > today.plus({ days: 15 }).toISODate()! && d.bookings > 0)).toEqual([]);

    // Two charts, each an accessible image, with as many bars as days and a dot per hour.
    const charts = page.locator('svg[role="img"]');
    expect(await charts.count()).toBe(2);
    expect(await page.locator('#chart-bookings-title').textContent()).toContain('Bookings per day');
    expect(await charts.nth(0).locator('rect.bar').count()).toBe(57);
    expect(await charts.nth(1).locator('circle.dot').count()).toBe(24);
    expect(await page.locator('#utilisation-by-hour tbody tr').count()).toBe(24);
    const busiest = await page
      .locator('#utilisation-by-hour tbody tr')
      .nth(10)
      .locator('td')
      .nth(2)
      .textContent();
    expect(Number(busiest)).toBeGreaterThan(0);
    expect(await page.locator('#most-used-desks tbody tr').count()).toBe(5);
    await page.close();
  });

  it('downloads a CSV with exactly the numbers of the tables', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.facilities);
    await page.goto(`${roost.url}/staff/insight`);
    const cells = await tableCells(page);
    expect(cells.length).toBeGreaterThan(57 * 5 + 24 * 3);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^roost-occupancy-berlin-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = await readFile((await download.path())!, 'utf8');
    const records = parseCsv(csv);
    expect(records[0]).toEqual(['table', 'row', 'column', 'value']);
    expect(records.slice(1)).toEqual(cells);

    // The same file through the page's cookies, with its headers.
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const response = await page.request.get(new URL(href!, roost.url).toString());
    expect(response.headers()['content-type']).toMatch(/^text\/csv/);
    expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="/);
    expect(await response.text()).toBe(csv);
    await page.close();
  });

  it('narrows to a floor and a range chosen in the form, and the CSV follows', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.facilities);
    await page.goto(`${roost.url}/staff/insight`);
    const today = DateTime.fromJSDate(roost.clock.now()).setZone('Europe/Berlin').startOf('day');
    const from = today.minus({ days: 14 }).toISODate()!;
    const to = today.minus({ days: 1 }).toISODate()!;
    await page.getByLabel('Floor', { exact: true }).selectOption({ label: 'Floor 2' });
    await page.getByLabel('From', { exact: true }).fill(from);
    await page.getByLabel('To', { exact: true }).fill(to);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.insight-scope strong').textContent()).toBe('Berlin, Floor 2');
    const days = await bookingsPerDay(page);
    expect(days.map((d) => d.date)).toEqual(
      Array.from({ length: 14 }, (_, i) => today.minus({ days: 14 - i }).toISODate()),
    );
    for (const row of await page.locator('#most-used-desks tbody tr th').allTextContents()) {
      expect(row).toMatch(/^2\.\d\d$/); // Floor 2's desks are labelled 2.nn
    }
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await (await page.request.get(new URL(href!, roost.url).toString())).text();
    expect(parseCsv(csv).slice(1)).toEqual(await tableCells(page));
    await page.close();
  });

  it('explains a wrong range next to the form', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.facilities);
    const res = await page.goto(`${roost.url}/staff/insight?from=2026-01-01&to=2026-06-30`);
    expect(res?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toContain('choose at most 92 days');
    expect(await page.getByLabel('To', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();
  });

  it('has no serious accessibility violations and fits a phone screen', async () => {
    const page = await newPage(roost, { width: 375, height: 740 });
    await signIn(page, roost.url, DEMO.facilities);
    await page.goto(`${roost.url}/staff/insight`);
    expect(await seriousViolations(page)).toEqual([]);
    // A string, evaluated in the page: the tests compile without the DOM library.
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    const chartWidth = await page
      .locator('svg[role="img"]')
      .first()
      .evaluate((svg) => svg.getBoundingClientRect().width);
    expect(chartWidth).toBeLessThanOrEqual(375);
    await page.close();
  });

  it('is not for employees', async () => {
    const page = await newPage(roost);
    await signIn(page, roost.url, DEMO.employee);
    expect((await page.goto(`${roost.url}/staff/insight`))?.status()).toBe(403);
    await page.close();
  });
});
