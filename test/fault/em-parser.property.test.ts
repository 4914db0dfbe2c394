import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  interpretActionReply,
  interpretDeviceProfileReply,
  interpretDeviceUserReply,
  interpretUserDevicesReply,
  type EmReply,
} from '../../src/em/em-protocol.js';
import { parseXml } from '../../src/em/em-xml.js';

/**
 * Fault and abuse suite: whatever an EM server (or something pretending to be one) sends,
 * the client's reply parsing answers with a typed result: a valid reply, an EM code, or
 * `unexpected` (which the client reports as a transport failure). It never throws, never
 * hangs (the test timeout bounds it), and never expands an entity beyond the five XML ones.
 */
const interpreters: [string, (body: string) => EmReply<unknown>][] = [
  ['action', interpretActionReply],
  ['deviceUser', interpretDeviceUserReply],
  ['userDevices', interpretUserDevicesReply],
  ['deviceProfile', interpretDeviceProfileReply],
];

function expectTyped(reply: EmReply<unknown>): void {
  expect(['ok', 'em', 'unexpected']).toContain(reply.kind);
  if (reply.kind === 'em') expect(Number.isInteger(reply.code)).toBe(true);
  if (reply.kind === 'unexpected') {
    expect(typeof reply.reason).toBe('string');
    // Reasons are logged: they quote a few characters at most, never the body.
    expect(reply.reason.length).toBeLessThan(200);
  }
}

/** Runs every interpreter and the bare parser on a body; none may throw. */
function feed(body: string): EmReply<unknown>[] {
  const parsed = parseXml(body);
  expect(typeof parsed.ok).toBe('boolean');
  return interpreters.map(([name, interpret]) => {
    let reply: EmReply<unknown>;
    try {
      reply = interpret(body);
    } catch (err) {
      throw new Error(`${name} threw on a ${body.length}-char body: ${String(err)}`, { cause: err });
    }
    expectTyped(reply);
    return reply;
  });
}

const codes = fc.oneof(
  fc.integer({ min: -5, max: 60 }).map(String),
  fc.constantFrom('', ' 26 ', '0x1A', '1e3', '-0', '99999999999', 'NaN', '６', '26abc'),
  fc.string({ maxLength: 8 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('&amp;', '&lt;&gt;', '&#0;', '&#x110000;', '&bogus;', '&', ']]>', '%41%zz'),
);
const element: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc
      .tuple(
        fc.constantFrom(
          'response',
          'success',
          'failure',
          'error',
          'errorMessage',
          'deviceUserResults',
          'userDevicesResults',
          'deviceProfileResults',
          'results',
          'device',
          'user',
          'userID',
          'none',
          'doesNotExist',
          'lastlogin',
          'deviceName',
          'deviceProfile',
          'deviceProfileName',
          'isDefaultDeviceProfile',
          'emccDevice',
          'x',
        ),
        fc.array(fc.constantFrom('code', 'name', 'id'), { maxLength: 2 }),
        codes,
        fc.array(tie('node'), { maxLength: 4 }),
      )
      .map(
        ([name, attrs, value, kids]) =>
          `<${name}${[...new Set(attrs)].map((a) => ` ${a}="${value}"`).join('')}>${kids.join('')}</${name}>`,
      ),
  ),
})).node;

/** Replies shaped like EM's, with random codes, names and garbage spliced in. */
const emLike = fc.oneof(
  codes.map((c) => `<response><failure><error code="${c}">x</error></failure></response>`),
  fc
    .tuple(codes, text)
    .map(([c, t]) => `<response><failure><error code="${c}">${t}</error></failure></response>`),
  element.map((e) => `<response>${e}</response>`),
  element.map((e) => `<?xml version="1.0"?><response><deviceUserResults>${e}</deviceUserResults></response>`),
  element.map((e) => `<results><deviceProfileResults>${e}</deviceProfileResults></results>`),
  element,
  fc
    .tuple(element, fc.nat(400), fc.string({ unit: 'binary', maxLength: 20 }))
    .map(([e, at, junk]) => e.slice(0, at) + junk + e.slice(at)),
);

describe('EM reply parsing under random and hostile input', () => {
  it('answers any string (including binary and lone surrogates) with a typed result', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 50 }),
          fc
            .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 })
            .map((u) => String.fromCharCode(...u)),
        ),
        (body) => {
          feed(body);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answers EM-shaped replies with garbage codes and elements with a typed result', () => {
    fc.assert(
      fc.property(emLike, (body) => {
        const replies = feed(body);
        // A code that is not a plain number is never guessed: it becomes 0 (unknown).
        for (const r of replies) if (r.kind === 'em') expect(r.code).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses control characters, lone surrogates and NUL inside an otherwise valid reply', () => {
    for (const bad of ['\u0000', '\u0001', '\u001b', '\ud800', '\udfff', '\ufffe', '\uffff']) {
      const body = `<response><failure><error code="6">a${bad}b</error></failure></response>`;
      for (const reply of feed(body)) expect(reply.kind).toBe('unexpected');
    }
  });

  it('refuses a billion-laughs bomb, any DOCTYPE internal subset and external entities without expanding', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE response [',
      '<!ENTITY lol "lol">',
      ...Array.from(
        { length: 9 },
        (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`,
      ),
      ']>',
      '<response><failure><error code="6">&lol9;</error></failure></response>',
    ].join('\n');
    const bodies = [
      lol,
      // The same bomb without the <!ENTITY text the parser scans for first: the subset itself is refused.
      '<!DOCTYPE response [ <!ELEMENT response ANY> ]><response><success/></response>',
      '<!DOCTYPE response SYSTEM "http://127.0.0.1:1/evil.dtd"><response><failure><error code="6">&xxe;</error></failure></response>',
      '<!DOCTYPE response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><response><failure><error code="6">&xxe;</error></failure></response>',
      '<!doctype response [<!entity xxe SYSTEM "file:///etc/passwd">]><response><success/></response>',
      '<response><failure><error code="6">&xxe;</error></failure></response>',
      '<response><failure><error code="6">&#x26;lol;</error></failure></response>',
      '<response><!ENTITY x "y"><success/></response>',
      '<!DOCTYPE response PUBLIC "-//X//EN" "http://127.0.0.1:1/x.dtd"><response><success/></response>',
    ];
    for (const body of bodies) {
      const replies = feed(body);
      for (const reply of replies) {
        expect(JSON.stringify(reply)).not.toMatch(/lollol|root:|passwd/);
      }
    }
    for (const body of bodies.slice(0, 6)) expect(parseXml(body).ok, body).toBe(false);
    // A DOCTYPE naming an external DTD is tolerated and never fetched; &#x26; is a literal "&".
    expect(interpretActionReply(bodies.at(-1)!).kind).toBe('ok');
    expect(interpretActionReply(bodies[6]!)).toEqual({ kind: 'em', code: 6, detail: '&lol;' });
  });

  it('refuses 10 000 levels of nesting, open or closed, without a stack overflow', () => {
    const open = '<a>'.repeat(10_000);
    const close = '</a>'.repeat(10_000);
    for (const body of [open, open + close, `<response>${open}${close}</response>`, '<a/>'.repeat(10_000)]) {
      for (const reply of feed(body)) expect(reply.kind).toBe('unexpected');
    }
  });

  it('answers megabyte bodies (one huge text, name, attribute, comment, many elements) in bounded time', () => {
    const mb = 1024 * 1024;
    const devices = Math.floor(mb / 40);
    const bodies = [
      'x'.repeat(mb),
      '<'.repeat(mb),
      '&'.repeat(mb),
      `<response><failure><error code="6">${'y'.repeat(mb)}</error></failure></response>`,
      `<response><failure><error code="${'9'.repeat(mb)}">x</error></failure></response>`,
      `<${'n'.repeat(mb)}/>`,
      `<response><!--${'-'.repeat(mb)}`,
      `<response><deviceUserResults>${'<device name="SEP1"><none/></device>'.repeat(devices)}</deviceUserResults></response>`,
      `<response>${'&amp;'.repeat(mb / 5)}<success/></response>`,
      `<response><success/></response>${' '.repeat(mb)}`,
      '\ud800'.repeat(mb),
    ];
    // Bounded by the test timeout only: quadratic parsing of a megabyte would exceed it.
    for (const body of bodies) feed(body);
    const big = interpretActionReply(bodies[3]!);
    expect(big.kind === 'em' && big.code).toBe(6);
    const many = interpretDeviceUserReply(bodies[7]!);
    expect(many.kind === 'ok' && Array.isArray(many.value) && many.value.length).toBe(devices);
  });
});
