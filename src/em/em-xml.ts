/**
 * Minimal XML for the EM wire contract: a builder with proper escaping and a safe parser.
 *
 * The parser is hand-written rather than a general XML library so that the SPEC 2.2 security rule
 * is enforced by construction: a DOCTYPE with an internal subset, any `<!ENTITY` declaration, or a
 * reference to an entity other than the five predefined ones is refused before anything is
 * expanded (nothing is ever expanded beyond those five and numeric character references). A DTD
 * named by a DOCTYPE is never fetched.
 */

/** A parsed element. `text` is the concatenation of its direct character data (not trimmed). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string };

// ---------------------------------------------------------------------------------------------
// Building

/** A node to serialise: an element with children, text, or nothing (`<indefinite/>`). */
export interface XmlNode {
  name: string;
  children?: XmlNode[];
  text?: string;
}

// XML 1.0 Char production; anything else cannot be sent at all, not even escaped.
// eslint-disable-next-line no-control-regex
const invalidXmlChar = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export class XmlInputError extends Error {}

/**
 * Escapes character data. `&` and `<` must be escaped, `>` is escaped to avoid `]]>`; quotes need
 * no escaping in text, so a userID like `o'brien&co` goes out as `o'brien&amp;co`.
 */
export function escapeXmlText(value: string): string {
  if (invalidXmlChar.test(value)) {
    throw new XmlInputError('value contains a character that XML 1.0 cannot carry');
  }
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Serialises a node tree without whitespace between elements. Throws XmlInputError. */
export function buildXml(node: XmlNode): string {
  const inner =
    node.text !== undefined ? escapeXmlText(node.text) : (node.children ?? []).map(buildXml).join('');
  return inner === '' ? `<${node.name}/>` : `<${node.name}>${inner}</${node.name}>`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const predefinedEntities: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

const nameStart = /[A-Za-z_:\u00C0-\uFFFF]/;
const nameChar = /[-A-Za-z0-9_.:\u00B7\u00C0-\uFFFF]/;

const maxDepth = 64;

class XmlRefusal extends Error {}

function isValidCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Decodes the five predefined entities and numeric character references; refuses anything else. */
function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&<\s]*)(;?)/g, (_match, ref: string, semi: string) => {
    if (semi !== ';') throw new XmlRefusal('bare "&" in character data');
    const predefined = predefinedEntities[ref];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (numeric) {
      const cp = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] ?? '', 10);
      if (!isValidCodePoint(cp)) throw new XmlRefusal('character reference to an invalid character');
      return String.fromCodePoint(cp);
    }
    throw new XmlRefusal(`undefined entity reference "&${ref.slice(0, 40)};"`);
  });
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parseDocument(): XmlElement {
    this.skipMisc(true);
    if (this.src.startsWith('<!DOCTYPE', this.pos)) {
      this.skipDoctype();
      this.skipMisc(false);
    }
    if (this.src[this.pos] !== '<') throw new XmlRefusal('no root element');
    const root = this.parseElement(0);
    this.skipMisc(false);
    if (this.pos !== this.src.length) throw new XmlRefusal('content after the root element');
    return root;
  }

  /** Whitespace, comments and processing instructions (the XML declaration only first). */
  private skipMisc(allowDeclaration: boolean): void {
    for (;;) {
      this.skipWhitespace();
      if (this.src.startsWith('<?', this.pos)) {
        const end = this.src.indexOf('?>', this.pos + 2);
        if (end < 0) throw new XmlRefusal('unterminated processing instruction');
        const target = /^<\?([^\s?]+)/.exec(this.src.slice(this.pos, end + 2))?.[1] ?? '';
        if (target.toLowerCase() === 'xml' && !(allowDeclaration && this.pos === 0)) {
          throw new XmlRefusal('misplaced XML declaration');
        }
        this.pos = end + 2;
        allowDeclaration = false;
      } else if (this.src.startsWith('<!--', this.pos)) {
        this.skipComment();
        allowDeclaration = false;
      } else {
        return;
      }
    }
  }

  private skipWhitespace(): void {
    while (this.pos < this.src.length && /[ \t\r\n]/.test(this.src[this.pos] ?? '')) this.pos++;
  }

  private skipComment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end < 0) throw new XmlRefusal('unterminated comment');
    this.pos = end + 3;
  }

  /**
   * SPEC 2.2: a DOCTYPE that only names an external DTD is tolerated (and never fetched); an
   * internal subset is refused outright, whatever it contains.
   */
  private skipDoctype(): void {
    let quote: string | undefined;
    for (let i = this.pos + '<!DOCTYPE'.length; i < this.src.length; i++) {
      const c = this.src[i];
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '[') {
        throw new XmlRefusal('DOCTYPE with an internal subset');
      } else if (c === '>') {
        this.pos = i + 1;
        return;
      }
    }
    throw new XmlRefusal('unterminated DOCTYPE');
  }

  private parseName(): string {
    const start = this.pos;
    if (!nameStart.test(this.src[this.pos] ?? '')) throw new XmlRefusal('invalid name');
    this.pos++;
    while (this.pos < this.src.length && nameChar.test(this.src[this.pos] ?? '')) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private parseElement(depth: number): XmlElement {
    if (depth > maxDepth) throw new XmlRefusal('elements nested too deeply');
    this.pos++; // '<'
    const name = this.parseName();
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = this.pos;
      this.skipWhitespace();
      const c = this.src[this.pos];
      if (c === '/' && this.src[this.pos + 1] === '>') {
        this.pos += 2;
        return el;
      }
      if (c === '>') {
        this.pos++;
        break;
      }
      if (c === undefined) throw new XmlRefusal('unterminated start tag');
      if (hadSpace === this.pos) throw new XmlRefusal('attributes must be separated by whitespace');
      const attrName = this.parseName();
      this.skipWhitespace();
      if (this.src[this.pos] !== '=') throw new XmlRefusal('attribute without value');
      this.pos++;
      this.skipWhitespace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") throw new XmlRefusal('unquoted attribute value');
      const end = this.src.indexOf(quote, this.pos + 1);
      if (end < 0) throw new XmlRefusal('unterminated attribute value');
      const raw = this.src.slice(this.pos + 1, end);
      if (raw.includes('<')) throw new XmlRefusal('"<" in attribute value');
      if (Object.hasOwn(el.attrs, attrName)) throw new XmlRefusal('duplicate attribute');
      el.attrs[attrName] = decodeReferences(raw);
      this.pos = end + 1;
    }
    this.parseContent(el, depth);
    return el;
  }

  private parseContent(el: XmlElement, depth: number): void {
    for (;;) {
      const lt = this.src.indexOf('<', this.pos);
      if (lt < 0) throw new XmlRefusal(`element <${el.name}> is not closed`);
      if (lt > this.pos) el.text += decodeReferences(this.src.slice(this.pos, lt));
      this.pos = lt;
      if (this.src.startsWith('</', this.pos)) {
        this.pos += 2;
        const closing = this.parseName();
        this.skipWhitespace();
        if (closing !== el.name || this.src[this.pos] !== '>') {
          throw new XmlRefusal(`mismatched end tag for <${el.name}>`);
        }
        this.pos++;
        return;
      }
      if (this.src.startsWith('<!--', this.pos)) {
        this.skipComment();
      } else if (this.src.startsWith('<![CDATA[', this.pos)) {
        const end = this.src.indexOf(']]>', this.pos + 9);
        if (end < 0) throw new XmlRefusal('unterminated CDATA section');
        el.text += this.src.slice(this.pos + 9, end);
        this.pos = end + 3;
      } else if (this.src.startsWith('<?', this.pos)) {
        const end = this.src.indexOf('?>', this.pos + 2);
        if (end < 0) throw new XmlRefusal('unterminated processing instruction');
        this.pos = end + 2;
      } else if (this.src.startsWith('<!', this.pos)) {
        throw new XmlRefusal('markup declaration inside an element');
      } else {
        el.children.push(this.parseElement(depth + 1));
      }
    }
  }
}

/**
 * Parses an XML document under the SPEC 2.2 rule. Never throws; a refusal or a well-formedness
 * error is returned with a short reason (safe to log: it never quotes more than a few characters).
 */
export function parseXml(input: string): XmlParseResult {
  const src = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  // Checked on the raw text so that no declaration is ever looked at, wherever it hides.
  if (/<!ENTITY/i.test(src)) return { ok: false, reason: 'refused: <!ENTITY declaration' };
  if (invalidXmlChar.test(src)) return { ok: false, reason: 'not XML: invalid character' };
  try {
    return { ok: true, root: new Parser(src).parseDocument() };
  } catch (err) {
    if (err instanceof XmlRefusal) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Direct child elements with the given name. */
export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The first direct child element with the given name. */
export function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
