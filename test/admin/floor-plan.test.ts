import { describe, expect, it } from 'vitest';
import { checkFloorPlan, MAX_PLAN_BYTES, planDataUrl } from '../../src/admin/floor-plan.js';
import { RoostError } from '../../src/errors.js';

const svg = (inner: string, attrs = 'viewBox="0 0 800 400"') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${attrs}>${inner}</svg>`;

function refusal(input: string): string {
  try {
    checkFloorPlan(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RoostError);
    expect((error as RoostError).code).toBe('INVALID_INPUT');
    return (error as RoostError).message;
  }
  throw new Error('the plan was accepted');
}

describe('checkFloorPlan', () => {
  it('accepts a clean plan and takes its size from the viewBox', () => {
    const clean = svg(
      '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>' +
        '<!-- walls --><g id="walls" style="fill:url(#g)"><rect x="0" y="0" width="800" height="400" fill="none" stroke="#333"/></g>' +
        '<use href="#walls"/><use xlink:href="#walls"/><text x="10" y="20">Kitchen &amp; lounge</text>' +
        '<style>.w { stroke: #000 }</style>',
    );
    expect(checkFloorPlan(clean)).toEqual({ svg: clean, width: 800, height: 400 });
  });

  it('falls back to width and height', () => {
    expect(checkFloorPlan(svg('<rect width="1" height="1"/>', 'width="1200px" height="700"'))).toMatchObject({
      width: 1200,
      height: 700,
    });
  });

  it.each([
    ['a script element', svg('<script>alert(1)</script>'), /<script> element/],
    [
      'a prefixed script element',
      svg('<svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script>'),
      /script/,
    ],
    [
      'an onload attribute',
      svg('<rect width="1" height="1"/>', 'viewBox="0 0 1 1" onload="alert(1)"'),
      /event-handler attribute onload/,
    ],
    [
      'an onclick attribute deep inside',
      svg('<g><g><rect onClick="x()"/></g></g>'),
      /event-handler attribute onClick/,
    ],
    [
      'a foreignObject',
      svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'),
      /foreignObject/,
    ],
    [
      'an external href',
      svg('<image href="https://evil.example/x.png" width="1" height="1"/>'),
      /links to "https:\/\/evil.example/,
    ],
    ['an external xlink:href', svg('<use xlink:href="other.svg#a"/>'), /links to "other.svg#a"/],
    ['a javascript link', svg('<a href="javascript:alert(1)"><rect/></a>'), /links to/],
    [
      'an encoded javascript link in another attribute',
      svg('<rect fill="&#106;avascript:alert(1)"/>'),
      /javascript:/,
    ],
    ['a DOCTYPE', '<!DOCTYPE svg [<!ENTITY x "y">]>' + svg('<text>&x;</text>'), /DOCTYPE/],
    ['an ENTITY alone', '<!ENTITY x "y">' + svg(''), /ENTITY/],
    [
      'a stylesheet processing instruction',
      svg('').replace('?>', '?><?xml-stylesheet href="https://evil.example/a.css"?>'),
      /processing instruction <\?xml-stylesheet>/,
    ],
    ['a CSS import', svg('<style>@import url(https://evil.example/a.css);</style>'), /@import/],
    ['an external CSS url', svg('<rect style="fill: url(https://evil.example/p)"/>'), /outside resource/],
    [
      'an animation that sets an href',
      svg('<a><set attributeName="href" to="javascript:alert(1)"/></a>'),
      /<set> element/,
    ],
    ['not an SVG', '<html><body/></html>', /outermost element must be <svg>/],
    ['malformed XML', '<svg viewBox="0 0 1 1"><g></svg>', /not well-formed/],
    ['a plan without a size', svg('<rect/>', ''), /has no size/],
    ['an empty file', '', /empty/],
  ])('refuses %s', (_name, input, reason) => {
    expect(refusal(input)).toMatch(reason);
  });

  it('refuses a plan over 1 MiB', () => {
    const big = svg(`<!-- ${'x'.repeat(MAX_PLAN_BYTES)} -->`);
    expect(refusal(big)).toMatch(/the limit is 1 MiB/);
  });

  it('shows a plan only as a base64 data: image', () => {
    expect(planDataUrl('<svg/>')).toBe(
      `data:image/svg+xml;base64,${Buffer.from('<svg/>').toString('base64')}`,
    );
  });
});
