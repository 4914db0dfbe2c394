import { describe, expect, it } from 'vitest';
import { escapeXml, fit, renderPhoneScreen } from '../../src/phone-service/cisco-xml.js';
import { parseScreen } from './phone.js';

const url = (n: number) => `http://roost.test/phone/services?device=SEP000000000001&n=${n}`;

describe('Cisco IP Phone XML objects', () => {
  it("escapes names such as O'Brien & Sons and round-trips them through an XML parser", () => {
    const raw = renderPhoneScreen({
      kind: 'text',
      title: "O'Brien & Sons",
      text: `Booked by O'Brien & Sons <Ltd> "HQ"`,
    });
    expect(raw).toContain('O&apos;Brien &amp; Sons');
    expect(raw).not.toMatch(/& /);
    const screen = parseScreen(raw);
    expect(screen.root).toBe('CiscoIPPhoneText');
    expect(screen.title).toBe("O'Brien & Sons");
    expect(screen.text).toBe(`Booked by O'Brien & Sons <Ltd> "HQ"`);
  });

  it('escapes & in URLs', () => {
    const raw = renderPhoneScreen({ kind: 'menu', title: 'T', items: [{ name: 'a', url: url(1) }] });
    expect(raw).toContain('SEP000000000001&amp;n=1');
    expect(parseScreen(raw).items[0]!.url).toBe(url(1));
  });

  it('keeps a menu within 100 items, titles and prompts within 32 characters, names within 64', () => {
    const screen = parseScreen(
      renderPhoneScreen({
        kind: 'menu',
        title: 'Desk Maximiliane Oberhuber-Schwarzenegger-Wittgenstein',
        prompt: 'A prompt that is much longer than thirty-two characters',
        items: Array.from({ length: 150 }, (_, i) => ({ name: `Item ${i} `.repeat(20), url: url(i) })),
        softKeys: Array.from({ length: 10 }, (_, i) => ({ name: `Key ${i}`, url: 'SoftKey:Exit' })),
      }),
    );
    expect(screen.root).toBe('CiscoIPPhoneMenu');
    expect(screen.items).toHaveLength(100);
    expect([...screen.title]).toHaveLength(32);
    expect(screen.title.endsWith('...')).toBe(true);
    expect([...screen.prompt!].length).toBeLessThanOrEqual(32);
    expect(screen.softKeys).toHaveLength(8);
    expect(screen.softKeys.map((k) => k.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps text within 4000 characters and drops characters XML cannot carry', () => {
    const screen = parseScreen(
      renderPhoneScreen({ kind: 'text', title: 'Bell\u0007', text: 'x'.repeat(5000) }),
    );
    expect([...screen.text!]).toHaveLength(4000);
    expect(screen.title).toBe('Bell');
  });

  it('cuts by characters, not UTF-16 units, so no emoji is split', () => {
    const cut = fit('😀'.repeat(40), 32);
    expect([...cut]).toHaveLength(32);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('builds an input object with at most five items, URL first', () => {
    const screen = parseScreen(
      renderPhoneScreen({
        kind: 'input',
        title: 'Sign in',
        url: url(0),
        items: Array.from({ length: 7 }, (_, i) => ({
          displayName: `Field ${i}`,
          param: `f${i}`,
          flags: 'A' as const,
        })),
      }),
    );
    expect(screen.root).toBe('CiscoIPPhoneInput');
    expect(screen.inputs).toHaveLength(5);
    expect(screen.url).toBe(url(0));
  });

  it('refuses a URL longer than the phone accepts instead of cutting it', () => {
    expect(() =>
      renderPhoneScreen({
        kind: 'menu',
        title: 'T',
        items: [{ name: 'a', url: `http://x/${'a'.repeat(300)}` }],
      }),
    ).toThrow(/256/);
  });

  it('escapes all five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
