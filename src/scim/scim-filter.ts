import { Tester, parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './scim-errors.js';

/** Attributes whose values compare case-sensitively (RFC 7643: caseExact); all others do not. */
const CASE_EXACT = new Set(['id', 'externalid', 'value']);

const lastName = (attrPath: string) => attrPath.split(/[.:]/).pop()!.toLowerCase();
const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/**
 * scim2-parse-filter's evaluator with SCIM's case rules: userName, displayName, emails and
 * the like match without regard to case (Entra ID and Okta do not agree on the case of an
 * address), id and externalId exactly.
 */
class ScimTester extends Tester {
  private exact = false;

  override test(r: unknown, f: Filter): boolean {
    if (!('compValue' in f)) return super.test(r, f);
    const previous = this.exact;
    this.exact = CASE_EXACT.has(lastName(f.attrPath));
    try {
      return super.test(r, f);
    } finally {
      this.exact = previous;
    }
  }
  private fold(v: unknown) {
    return this.exact ? v : lower(v);
  }
  override eq(r: unknown, v: unknown) {
    return this.fold(r) === this.fold(v);
  }
  override ne(r: unknown, v: unknown) {
    return this.fold(r) !== this.fold(v);
  }
  override co(r: unknown, v: unknown) {
    return typeof r === 'string' && v !== null && String(this.fold(r)).includes(String(this.fold(v)));
  }
  override sw(r: unknown, v: unknown) {
    return typeof r === 'string' && v !== null && String(this.fold(r)).startsWith(String(this.fold(v)));
  }
  override ew(r: unknown, v: unknown) {
    return typeof r === 'string' && v !== null && String(this.fold(r)).endsWith(String(this.fold(v)));
  }
}

/** Parses a SCIM filter; a malformed one is a 400 invalidFilter naming the problem. */
export function parseFilter(text: string): Filter {
  if (text.length > 2000)
    throw new ScimError(400, 'The filter is too long (2000 characters at most).', 'invalidFilter');
  try {
    return parse(text);
  } catch (error) {
    throw new ScimError(
      400,
      `The filter ${JSON.stringify(text)} is not valid SCIM filter syntax: ${(error as Error).message}`,
      'invalidFilter',
    );
  }
}

export function matcher(filter: Filter): (resource: unknown) => boolean {
  const tester = new ScimTester();
  return (resource) => tester.test(resource, filter);
}

/** `attr eq "value"` on one of `attrs` (case-insensitive attribute name), for a direct lookup. */
export function simpleEq(filter: Filter, attrs: string[]): { attr: string; value: string } | null {
  if (filter.op !== 'eq' || !('compValue' in filter) || typeof filter.compValue !== 'string') return null;
  const attr = attrs.find((a) => a.toLowerCase() === filter.attrPath.toLowerCase());
  return attr ? { attr, value: filter.compValue } : null;
}
