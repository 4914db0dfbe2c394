/**
 * A deliberately small, strict XML reader for EM messages (SPEC 2.2, 4).
 *
 * Why our own: EM bodies are tiny and flat, and SPEC 2.2 asks that any internal DTD subset,
 * `<!ENTITY` declaration or non-predefined entity reference be refused with code 1 before any
 * expansion. A reader that knows only the five predefined entities and numeric character
 * references cannot expand anything, so there is nothing to configure wrongly. It keeps element
 * order and text so the grammar check can see unknown or out-of-order children.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data (text and CDATA) directly inside this element. */
  text: string;
}

export class XmlRejected extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'XmlRejected';
  }
}

/** Nesting deeper than any EM message needs is refused instead of walked. */
const MAX_DEPTH = 32;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;

/**
 * SPEC 2.2 pre-scan: refuse entity declarations and internal DTD subsets before the document
 * is read at all, so a billion-laughs body costs one linear scan.
 */
export function prescanXml(source: string): void {
  if (/<!ENTITY/i.test(source)) throw new XmlRejected('entity declaration');
  const doctype = /<!DOCTYPE/i.exec(source);
  if (doctype) {
    const end = source.indexOf('>', doctype.index);
    const declaration = end === -1 ? source.slice(doctype.index) : source.slice(doctype.index, end);
    if (declaration.includes('[')) throw new XmlRejected('internal DTD subset');
  }
}

export function parseXml(source: string): XmlElement {
  prescanXml(source);
  return new Reader(source).document();
}

class Reader {
  private pos = 0;

  constructor(private readonly src: string) {}

  document(): XmlElement {
    if (this.src.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (this.src.startsWith('<?xml', this.pos) && /[\s?]/.test(this.src[this.pos + 5] ?? '')) {
      this.skipPast('?>');
    }
    let sawDoctype = false;
    for (;;) {
      this.skipWhitespace();
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<?', this.pos)) this.processingInstruction();
      else if (this.src.startsWith('<!DOCTYPE', this.pos) && !sawDoctype) {
        this.doctype();
        sawDoctype = true;
      } else break;
    }
    if (this.src[this.pos] !== '<') throw new XmlRejected('no root element');
    const root = this.element();
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= this.src.length) return root;
      if (this.src.startsWith('<!--', this.pos)) this.comment();
      else if (this.src.startsWith('<?', this.pos)) this.processingInstruction();
      else throw new XmlRejected('content after root element');
    }
  }

  /** Iterative so that nesting depth cannot exhaust the call stack. */
  private element(): XmlElement {
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      const open = this.startTag();
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(open.element);
      else root = open.element;
      if (!open.selfClosing) {
        stack.push(open.element);
        if (stack.length > MAX_DEPTH) throw new XmlRejected('nesting too deep');
      }
      while (stack.length > 0) {
        const current = stack[stack.length - 1] as XmlElement;
        current.text += this.characterData();
        if (this.src.startsWith('</', this.pos)) {
          this.pos += 2;
          const name = this.name();
          this.skipWhitespace();
          this.expect('>');
          if (name !== current.name) throw new XmlRejected('mismatched end tag');
          stack.pop();
          continue;
        }
        if (this.src.startsWith('<!--', this.pos)) {
          this.comment();
          continue;
        }
        if (this.src.startsWith('<![CDATA[', this.pos)) {
          const end = this.src.indexOf(']]>', this.pos + 9);
          if (end === -1) throw new XmlRejected('unterminated CDATA');
          current.text += this.src.slice(this.pos + 9, end);
          this.pos = end + 3;
          continue;
        }
        if (this.src.startsWith('<?', this.pos)) {
          this.processingInstruction();
          continue;
        }
        if (this.src.startsWith('<!', this.pos)) throw new XmlRejected('markup declaration in content');
        if (this.pos >= this.src.length) throw new XmlRejected('unexpected end of document');
        break;
      }
      if (stack.length === 0) return root as XmlElement;
    }
  }

  private startTag(): { element: XmlElement; selfClosing: boolean } {
    this.expect('<');
    const element: XmlElement = { name: this.name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = this.skipWhitespace();
      if (this.src.startsWith('/>', this.pos)) {
        this.pos += 2;
        return { element, selfClosing: true };
      }
      if (this.src[this.pos] === '>') {
        this.pos += 1;
        return { element, selfClosing: false };
      }
      if (!hadSpace) throw new XmlRejected('malformed start tag');
      const attribute = this.name();
      this.skipWhitespace();
      this.expect('=');
      this.skipWhitespace();
      const quote = this.src[this.pos];
      if (quote !== '"' && quote !== "'") throw new XmlRejected('unquoted attribute');
      const end = this.src.indexOf(quote, this.pos + 1);
      if (end === -1) throw new XmlRejected('unterminated attribute');
      const raw = this.src.slice(this.pos + 1, end);
      if (raw.includes('<')) throw new XmlRejected('< in attribute value');
      if (Object.hasOwn(element.attributes, attribute)) throw new XmlRejected('duplicate attribute');
      element.attributes[attribute] = decodeReferences(raw);
      this.pos = end + 1;
    }
  }

  private characterData(): string {
    const next = this.src.indexOf('<', this.pos);
    const end = next === -1 ? this.src.length : next;
    const raw = this.src.slice(this.pos, end);
    this.pos = end;
    if (raw.includes(']]>')) throw new XmlRejected(']]> in text');
    return decodeReferences(raw);
  }

  private doctype(): void {
    // Only `<!DOCTYPE name (SYSTEM "uri" | PUBLIC "pub" "uri")? >`; the DTD is never fetched.
    this.pos += '<!DOCTYPE'.length;
    if (!this.skipWhitespace()) throw new XmlRejected('malformed DOCTYPE');
    this.name();
    this.skipWhitespace();
    if (this.src.startsWith('SYSTEM', this.pos)) {
      this.pos += 6;
      this.quotedLiteral();
    } else if (this.src.startsWith('PUBLIC', this.pos)) {
      this.pos += 6;
      this.quotedLiteral();
      this.quotedLiteral();
    }
    this.skipWhitespace();
    this.expect('>');
  }

  private quotedLiteral(): void {
    if (!this.skipWhitespace()) throw new XmlRejected('malformed DOCTYPE');
    const quote = this.src[this.pos];
    if (quote !== '"' && quote !== "'") throw new XmlRejected('malformed DOCTYPE');
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end === -1) throw new XmlRejected('malformed DOCTYPE');
    this.pos = end + 1;
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.pos + 4);
    if (end === -1) throw new XmlRejected('unterminated comment');
    this.pos = end + 3;
  }

  private processingInstruction(): void {
    this.pos += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') throw new XmlRejected('misplaced XML declaration');
    this.skipPast('?>');
  }

  private skipPast(terminator: string): void {
    const end = this.src.indexOf(terminator, this.pos);
    if (end === -1) throw new XmlRejected(`missing ${terminator}`);
    this.pos = end + terminator.length;
  }

  private name(): string {
    const start = this.pos;
    if (!NAME_START.test(this.src[this.pos] ?? '')) throw new XmlRejected('invalid name');
    this.pos += 1;
    while (NAME_CHAR.test(this.src[this.pos] ?? '')) this.pos += 1;
    return this.src.slice(start, this.pos);
  }

  private skipWhitespace(): boolean {
    const start = this.pos;
    while (/[ \t\r\n]/.test(this.src[this.pos] ?? '')) this.pos += 1;
    return this.pos > start;
  }

  private expect(literal: string): void {
    if (!this.src.startsWith(literal, this.pos)) throw new XmlRejected(`expected ${literal}`);
    this.pos += literal.length;
  }
}

/** Resolves the five predefined entities and numeric references; anything else is refused. */
function decodeReferences(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new XmlRejected('bare ampersand');
    const predefined = PREDEFINED[body];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!numeric) throw new XmlRejected('undefined entity reference');
    const codePoint = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
    const isXmlChar =
      codePoint === 0x9 ||
      codePoint === 0xa ||
      codePoint === 0xd ||
      (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
      (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
      (codePoint >= 0x10000 && codePoint <= 0x10ffff);
    if (!isXmlChar) throw new XmlRejected('invalid character reference');
    return String.fromCodePoint(codePoint);
  });
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Character data needs only &, < and > escaped; quotes stay readable (e.g. SPEC 3 sample text). */
export function escapeText(value: string): string {
  return value.replace(/[&<>]/g, (c) => ESCAPES[c] ?? c);
}
