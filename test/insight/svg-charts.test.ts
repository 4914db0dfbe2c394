import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { barChart, escapeXml, lineChart, niceMax } from '../../src/insight/svg-charts.js';

const options = { id: 'c1', title: 'Bookings per day', description: 'One bar per day.' };

function attrs(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((m) =>
    Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  );
}

describe('barChart', () => {
  const svg = barChart(
    [
      { label: 'Mon', value: 1 },
      { label: 'Tue', value: 2 },
      { label: 'Wed', value: 4 },
      { label: 'Thu', value: 0 },
    ],
    { ...options, max: 4 },
  );

  it('is well-formed XML and an accessible image with a title and description', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="c1-title c1-desc"/);
    expect(svg).toContain('<title id="c1-title">Bookings per day</title>');
    expect(svg).toContain('<desc id="c1-desc">One bar per day.</desc>');
    expect(svg).not.toMatch(/<script|style=|\son\w+=/i);
  });

  it('draws bars whose heights are proportional to the values', () => {
    const bars = attrs(svg, 'rect').map((a) => Number(a.height));
    expect(bars).toHaveLength(4);
    expect(bars[0]).toBeGreaterThan(0);
    expect(bars[1]! / bars[0]!).toBeCloseTo(2);
    expect(bars[2]! / bars[0]!).toBeCloseTo(4);
    expect(bars[3]).toBe(0);
    // All bars stand on the same baseline.
    const bottoms = attrs(svg, 'rect').map((a) => Number(a.y) + Number(a.height));
    expect(new Set(bottoms.map((b) => b.toFixed(1))).size).toBe(1);
  });

  it('the tallest bar fills the plot when it reaches the top of the axis', () => {
    const full = attrs(
      barChart([{ label: 'a', value: 10 }], { ...options, max: 10, height: 236 }),
      'rect',
    )[0]!;
    expect(Number(full.height)).toBe(236 - 12 - 36);
  });

  it('leaves a gap for a null value and picks a round axis top by default', () => {
    const gap = barChart(
      [
        { label: 'a', value: 7 },
        { label: 'b', value: null },
      ],
      options,
    );
    expect(attrs(gap, 'rect')).toHaveLength(1);
    expect(gap).toContain('>10</text>'); // niceMax(7)
  });

  it('escapes every piece of text', () => {
    const evil = barChart([{ label: '<script>alert("x")</script>', value: 1 }], {
      id: 'x"><script>',
      title: 'Desks & <b>',
      description: 'O\'Brien\'s "desk"',
    });
    expect(XMLValidator.validate(evil)).toBe(true);
    expect(evil).not.toContain('<script');
    expect(evil).not.toContain('<b>');
    expect(evil).toContain('Desks &amp; &lt;b&gt;');
    expect(evil).toContain('O&apos;Brien&apos;s &quot;desk&quot;');
    expect(evil).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('renders an empty chart with an axis', () => {
    const empty = barChart([], options);
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(attrs(empty, 'rect')).toHaveLength(0);
  });
});

describe('lineChart', () => {
  it('draws one dot per value at heights proportional to it, breaking the line at nulls', () => {
    const svg = lineChart(
      [
        { label: '00', value: 0.5 },
        { label: '01', value: 1 },
        { label: '02', value: null },
        { label: '03', value: 0.25 },
        { label: '04', value: 0 },
      ],
      { ...options, max: 1, height: 248, format: (v) => `${Math.round(v * 100)}%` },
    );
    expect(XMLValidator.validate(svg)).toBe(true);
    const baseline = 12 + 200;
    const heights = attrs(svg, 'circle').map((a) => baseline - Number(a.cy));
    expect(heights).toEqual([100, 200, 50, 0]);
    expect(attrs(svg, 'polyline')).toHaveLength(2);
    expect(svg).toContain('<title>01: 100%</title>');
    expect(svg).toContain('>100%</text>');
  });
});

describe('helpers', () => {
  it('rounds the axis top up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 12, 20, 21, 480].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 20, 50, 500]);
  });
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });
});
