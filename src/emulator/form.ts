/**
 * Extracts the `xml` form field (SPEC 2.2) from a POST body or a GET query string.
 *
 * Properly encoded bodies are decoded as application/x-www-form-urlencoded UTF-8. A value that
 * still contains a literal `<` was never encoded (third-party clients send `xml=<request>...`);
 * with `acceptUnencodedForm` the rest of the body is then taken verbatim, which also keeps
 * `&amp;`, `+` and `%` intact where strict form decoding would mangle them.
 */
export type FormResult = { ok: true; xml: string } | { ok: false; reason: string };

export function extractXmlField(raw: string, acceptUnencoded: boolean): FormResult {
  const fieldStart = raw.startsWith('xml=') ? 0 : raw.indexOf('&xml=') + 1;
  if (fieldStart > 0 || raw.startsWith('xml=')) {
    const rest = raw.slice(fieldStart + 4);
    if (rest.includes('<')) {
      return acceptUnencoded ? { ok: true, xml: rest } : { ok: false, reason: 'unencoded form body' };
    }
  }
  for (const pair of raw.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (decode(name) !== 'xml') continue;
    const value = decode(eq === -1 ? '' : pair.slice(eq + 1));
    return value === undefined ? { ok: false, reason: 'malformed form encoding' } : { ok: true, xml: value };
  }
  return { ok: false, reason: 'missing xml field' };
}

function decode(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
