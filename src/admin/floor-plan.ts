import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { invalidInput, msg, type Message } from '../errors.js';

/**
 * Floor plan uploads. A plan is checked and then stored exactly as uploaded, or refused
 * with the reason; we never "clean" markup, because a cleaner that misses a trick stores
 * it. Refused: more than 1 MiB, DOCTYPE/ENTITY (entity expansion), processing
 * instructions other than the XML declaration (xml-stylesheet fetches), script,
 * foreignObject and other active elements, on* event-handler attributes, any href that
 * is not a fragment (#id) or an inline raster image, javascript: anywhere, and CSS that
 * imports or references anything but a fragment.
 *
 * Defence in depth: pages show the plan only as `<image href="data:image/svg+xml;base64,...">`,
 * and browsers run no script and fetch nothing in an SVG used as an image.
 */
export const MAX_PLAN_BYTES = 1024 * 1024;

export interface FloorPlan {
  svg: string;
  /** The plan's coordinate space (viewBox, else width/height); desk positions use it. */
  width: number;
  height: number;
}

const FORBIDDEN_ELEMENTS = new Set([
  'script',
  'foreignobject',
  'iframe',
  'embed',
  'object',
  'handler',
  'listener',
  'set',
  'animate',
  'animatemotion',
  'animatetransform',
  'animatecolor',
  'discard',
]);

/** Deepest element nesting a plan may have (also the parser's maxNestedTags). */
const MAX_DEPTH = 100;

const parser = new XMLParser({
  maxNestedTags: MAX_DEPTH,
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: true,
  processEntities: false,
  htmlEntities: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: false,
  ignorePiTags: false,
});

type Node = Record<string, unknown>;

const refuse = (reason: Message) =>
  invalidInput(msg('problem.plan.refusedExport', { reason }), {
    fields: { plan: msg('problem.plan.refused', { reason }) },
  }).about('plan');

const localName = (name: string) => name.slice(name.indexOf(':') + 1).toLowerCase();

/** Numeric character references decoded, so "&#106;avascript:" cannot hide. */
function decodeReferences(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16) % 0x110000))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec) % 0x110000));
}

function checkCss(css: string, where: Message): void {
  const text = decodeReferences(css).replace(/\\/g, '').toLowerCase();
  if (text.includes('@import')) throw refuse(msg('problem.plan.cssImport', { where }));
  if (/expression\s*\(|javascript:|behavior\s*:|-moz-binding/.test(text))
    throw refuse(msg('problem.plan.cssScript', { where }));
  for (const m of text.matchAll(/url\(\s*(['"]?)\s*([^'")\s]*)/g)) {
    if (!m[2]!.startsWith('#')) throw refuse(msg('problem.plan.cssUrl', { where, url: m[2]! }));
  }
}

function checkHref(value: string, element: string): void {
  const v = value.trim();
  if (v.startsWith('#') && !/[\s:]/.test(v.slice(1))) return;
  if (/^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i.test(v)) return;
  throw refuse(msg('problem.plan.link', { element, link: v.slice(0, 60) }));
}

// eslint-disable-next-line no-control-regex
const IGNORED_IN_SCHEME = /[\s\u0000-\u001f]/g;

function checkElement(name: string, attrs: Record<string, unknown>): void {
  const local = localName(name);
  if (FORBIDDEN_ELEMENTS.has(local)) throw refuse(msg('problem.plan.element', { element: name }));
  for (const [attr, rawValue] of Object.entries(attrs)) {
    const attrLocal = localName(attr);
    const value = typeof rawValue === 'string' ? rawValue : '';
    if (attrLocal.startsWith('on')) throw refuse(msg('problem.plan.eventHandler', { element: name, attr }));
    if (attrLocal === 'href' || attrLocal === 'src' || attrLocal === 'action' || attrLocal === 'formaction')
      checkHref(value, name);
    // Browsers ignore whitespace and control characters inside a URL scheme.
    const decoded = decodeReferences(value).replace(IGNORED_IN_SCHEME, '').toLowerCase();
    if (decoded.includes('javascript:') || decoded.includes('vbscript:'))
      throw refuse(msg('problem.plan.scriptAddress', { element: name, attr }));
    if (attrLocal === 'style') checkCss(value, msg('problem.plan.whereStyle', { element: name }));
    else if (/url\(/i.test(value)) checkCss(value, msg('problem.plan.whereAttr', { element: name, attr }));
  }
}

function walk(nodes: Node[], parent: string | null, depth: number): void {
  if (depth > MAX_DEPTH) throw refuse(msg('problem.plan.tooDeep', { max: MAX_DEPTH }));
  for (const node of nodes) {
    for (const [key, value] of Object.entries(node)) {
      if (key === ':@' || key === '#text' || key === '#comment') continue;
      if (key === '#cdata') {
        if (parent && localName(parent) === 'style')
          checkCss(JSON.stringify(value), msg('problem.plan.whereStyleElement'));
        continue;
      }
      if (key.startsWith('?')) {
        if (key !== '?xml' || parent !== null)
          throw refuse(msg('problem.plan.instruction', { instruction: key }));
        continue;
      }
      checkElement(key, (node[':@'] as Record<string, unknown> | undefined) ?? {});
      const children = Array.isArray(value) ? (value as Node[]) : [];
      if (localName(key) === 'style') {
        for (const child of children) {
          const text = child['#text'];
          if (typeof text === 'string') checkCss(text, msg('problem.plan.whereStyleElement'));
        }
      }
      walk(children, key, depth + 1);
    }
  }
}

function dimension(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$/.exec(value);
  return m ? Number(m[1]) : null;
}

/** Checks an uploaded SVG; returns it with its coordinate space, or throws INVALID_INPUT saying why. */
export function checkFloorPlan(input: string | Buffer): FloorPlan {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (bytes === 0) throw refuse(msg('problem.plan.empty'));
  if (bytes > MAX_PLAN_BYTES)
    throw refuse(msg('problem.plan.tooLarge', { size: (bytes / 1024 / 1024).toFixed(1) }));
  const svg = typeof input === 'string' ? input : input.toString('utf8');
  if (svg.includes('\uFFFD')) throw refuse(msg('problem.plan.notUtf8'));
  if (/<!DOCTYPE/i.test(svg)) throw refuse(msg('problem.plan.doctype'));
  if (/<!ENTITY/i.test(svg)) throw refuse(msg('problem.plan.entity'));
  const valid = XMLValidator.validate(svg, { allowBooleanAttributes: false });
  if (valid !== true)
    throw refuse(msg('problem.plan.notXml', { line: valid.err.line, reason: valid.err.msg }));
  let nodes: Node[];
  try {
    nodes = parser.parse(svg) as Node[];
  } catch (error) {
    // The parser has limits of its own (nesting: maxNestedTags) that it reports by throwing:
    // the uploader's mistake, so a 400 saying what to change, never a 500.
    const message = error instanceof Error ? error.message : String(error);
    throw refuse(
      /nest/i.test(message)
        ? msg('problem.plan.tooDeep', { max: MAX_DEPTH })
        : msg('problem.plan.unreadable', { reason: message.slice(0, 200) }),
    );
  }
  walk(nodes, null, 0);
  const roots = nodes.filter((n) => !('?xml' in n) && !('#comment' in n) && !('#text' in n));
  const root = roots[0];
  const rootName = root ? Object.keys(root).find((k) => k !== ':@') : undefined;
  if (roots.length !== 1 || !rootName || localName(rootName) !== 'svg')
    throw refuse(msg('problem.plan.notSvg'));

  const attrs = (root![':@'] as Record<string, unknown> | undefined) ?? {};
  let width: number | null;
  let height: number | null;
  const viewBox =
    typeof attrs.viewBox === 'string'
      ? attrs.viewBox
          .trim()
          .split(/[\s,]+/)
          .map(Number)
      : [];
  if (viewBox.length === 4 && viewBox.every(Number.isFinite)) {
    width = viewBox[2]!;
    height = viewBox[3]!;
  } else {
    width = dimension(attrs.width);
    height = dimension(attrs.height);
  }
  if (!width || !height || width <= 0 || height <= 0) {
    throw refuse(msg('problem.plan.noSize'));
  }
  return { svg, width: Math.round(width), height: Math.round(height) };
}

/** How a stored plan is shown: as an image, so nothing in it can run. */
export function planDataUrl(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}
