import { describe, expect, it } from 'vitest';
import { buildXml, escapeXmlText, parseXml, XmlInputError } from '../../src/em/em-xml.js';

describe('escapeXmlText / buildXml', () => {
  it('escapes markup characters and leaves quotes alone in text', () => {
    expect(escapeXmlText(`o'brien&co <x> "q"`)).toBe(`o'brien&amp;co &lt;x&gt; "q"`);
    expect(escapeXmlText('em@example.com')).toBe('em@example.com');
  });

  it('refuses characters XML 1.0 cannot carry', () => {
    expect(() => escapeXmlText('a\u0000b')).toThrow(XmlInputError);
    expect(() => escapeXmlText('a\u0007b')).toThrow(XmlInputError);
    expect(() => escapeXmlText('\uD800')).toThrow(XmlInputError);
    expect(escapeXmlText('tab\there ✓ 😀')).toBe('tab\there ✓ 😀');
  });

  it('writes empty elements self-closed and nests children', () => {
    expect(buildXml({ name: 'a', children: [{ name: 'b', text: '1' }, { name: 'c' }] })).toBe(
      '<a><b>1</b><c/></a>',
    );
  });

  it('round-trips through the parser', () => {
    const nasty = `o'brien&co <]]> "x" &amp; %41 ü`;
    const parsed = parseXml(buildXml({ name: 'r', children: [{ name: 'v', text: nasty }] }));
    expect(parsed.ok && parsed.root.children[0]?.text).toBe(nasty);
  });
});

describe('parseXml', () => {
  it('tolerates an XML declaration, a BOM, whitespace and comments', () => {
    const parsed = parseXml(
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<response>\n  <success/>\n</response>\n',
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.root.name).toBe('response');
      expect(parsed.root.children.map((c) => c.name)).toEqual(['success']);
    }
  });

  it('accepts a DOCTYPE that only names an external DTD and does not fetch it', () => {
    const parsed = parseXml(
      '<?xml version="1.0"?><!DOCTYPE response SYSTEM "http://127.0.0.1:1/never.dtd"><response><success/></response>',
    );
    expect(parsed.ok).toBe(true);
  });

  it('decodes the predefined entities, character references and CDATA in text and attributes', () => {
    const parsed = parseXml(`<a x='&quot;&apos;&#65;&#x42;'>&lt;&gt;&amp;<![CDATA[<&>]]></a>`);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.root.attrs['x']).toBe(`"'AB`);
      expect(parsed.root.text).toBe('<>&<&>');
    }
  });

  it.each([
    ['internal subset', '<!DOCTYPE r [ <!ELEMENT r ANY> ]><r/>', /internal subset/],
    [
      'entity bomb',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
      /ENTITY/,
    ],
    [
      'external entity',
      '<!DOCTYPE r SYSTEM "x"><!ENTITY xxe SYSTEM "file:///etc/passwd"><r>&xxe;</r>',
      /ENTITY/,
    ],
    ['undefined entity reference', '<response><x>&nbsp;</x></response>', /undefined entity/],
    ['undefined entity in attribute', '<r a="&foo;"/>', /undefined entity/],
    ['bare ampersand', '<r>a & b</r>', /bare/],
    ['reference to NUL', '<r>&#0;</r>', /invalid character/],
  ])('refuses %s', (_name, xml, reason) => {
    const parsed = parseXml(xml);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'Service Unavailable'],
    ['HTML', '<html><body><h1>503</h1><br></body></html>'],
    ['unclosed', '<response><success/>'],
    ['mismatched', '<response><success></failure></response>'],
    ['two roots', '<response/><response/>'],
    ['trailing text', '<response/>junk'],
    ['unquoted attribute', '<error code=18>x</error>'],
    ['duplicate attribute', '<error code="1" code="2"/>'],
    ['late declaration', '<!-- x --><?xml version="1.0"?><r/>'],
    ['markup declaration in content', '<r><!ELEMENT x ANY></r>'],
  ])('rejects malformed input: %s', (_name, xml) => {
    expect(parseXml(xml).ok).toBe(false);
  });

  it('limits nesting depth', () => {
    const deep = '<a>'.repeat(100) + '</a>'.repeat(100);
    expect(parseXml(deep).ok).toBe(false);
  });
});
