/**
 * Cisco IP Phone XML objects (Cisco Unified IP Phone Services Application Development Notes,
 * "CiscoIPPhone XML Objects"): CiscoIPPhoneMenu, CiscoIPPhoneText and CiscoIPPhoneInput, the
 * three a desk phone's Services button needs. Pure functions: model in, XML text out.
 *
 * The phones reject (or show "XML Error [4]" for) objects beyond the schema's limits, so every
 * field is cut to its limit here, once, instead of trusting each caller: a long desk name or a
 * person called "Maximiliane Oberhuber-Schwarzenegger" must never break the screen.
 */

export const CISCO_XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** Limits from CiscoIPPhone.xsd (the same in the 7900, 8800 and 9800 series notes). */
export const LIMITS = {
  title: 32,
  prompt: 32,
  text: 4000,
  menuItems: 100,
  menuItemName: 64,
  url: 256,
  inputItems: 5,
  inputDisplayName: 32,
  queryStringParam: 32,
  defaultValue: 32,
  softKeys: 8,
  softKeyName: 32,
} as const;

export interface SoftKey {
  name: string;
  /** An absolute http(s) URL or a built-in action such as "SoftKey:Exit", "SoftKey:Submit". */
  url: string;
}

export interface MenuScreen {
  kind: 'menu';
  title: string;
  prompt?: string;
  items: { name: string; url: string }[];
  softKeys?: SoftKey[];
}

export interface TextScreen {
  kind: 'text';
  title: string;
  prompt?: string;
  text: string;
  softKeys?: SoftKey[];
}

/** Input flags: A plain ASCII, T telephone digits, N numeric, E equation, U upper, L lower, P password (combine, e.g. "NP"). */
export type InputFlags = 'A' | 'T' | 'N' | 'E' | 'U' | 'L' | 'AP' | 'NP' | 'TP';

export interface InputScreen {
  kind: 'input';
  title: string;
  prompt?: string;
  /** Where the phone sends the entries (GET, entries appended as a query string). */
  url: string;
  items: { displayName: string; param: string; defaultValue?: string; flags: InputFlags }[];
  softKeys?: SoftKey[];
}

export type PhoneScreen = MenuScreen | TextScreen | InputScreen;

// XML 1.0 allows tab, newline, carriage return and U+0020 upwards (minus surrogates and FFFE/FFFF).
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an XML element: & < > " ' and drops characters XML cannot carry. */
export function escapeXml(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Cuts to `max` characters (code points, so no half emoji), ending in "..." when cut. The
 * limits count characters of the value, before escaping: "&amp;" is one character on screen.
 */
export function fit(value: string, max: number): string {
  const chars = [...value.replace(NOT_XML_CHAR, '')];
  if (chars.length <= max) return chars.join('');
  return chars.slice(0, Math.max(0, max - 3)).join('') + '...';
}

/** A URL longer than the phone accepts is a bug in Roost, not something to cut silently. */
function checkedUrl(url: string): string {
  if (url.length > LIMITS.url)
    throw new Error(`Cisco XML URL longer than ${LIMITS.url} characters: ${url.slice(0, 60)}...`);
  return url;
}

const el = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;

function softKeysXml(keys: SoftKey[] | undefined): string {
  return (keys ?? [])
    .slice(0, LIMITS.softKeys)
    .map(
      (key, i) =>
        `<SoftKeyItem>${el('Name', fit(key.name, LIMITS.softKeyName))}${el('URL', checkedUrl(key.url))}${el('Position', String(i + 1))}</SoftKeyItem>`,
    )
    .join('');
}

function head(screen: { title: string; prompt?: string | undefined }): string {
  return (
    el('Title', fit(screen.title, LIMITS.title)) +
    (screen.prompt ? el('Prompt', fit(screen.prompt, LIMITS.prompt)) : '')
  );
}

/** The XML document for a screen. Menu items beyond 100 and input items beyond 5 are dropped. */
export function renderPhoneScreen(screen: PhoneScreen): string {
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>\n';
  switch (screen.kind) {
    case 'menu':
      return (
        declaration +
        '<CiscoIPPhoneMenu>' +
        head(screen) +
        screen.items
          .slice(0, LIMITS.menuItems)
          .map(
            (item) =>
              `<MenuItem>${el('Name', fit(item.name, LIMITS.menuItemName))}${el('URL', checkedUrl(item.url))}</MenuItem>`,
          )
          .join('') +
        softKeysXml(screen.softKeys) +
        '</CiscoIPPhoneMenu>'
      );
    case 'text':
      return (
        declaration +
        '<CiscoIPPhoneText>' +
        head(screen) +
        el('Text', fit(screen.text, LIMITS.text)) +
        softKeysXml(screen.softKeys) +
        '</CiscoIPPhoneText>'
      );
    case 'input':
      return (
        declaration +
        '<CiscoIPPhoneInput>' +
        head(screen) +
        el('URL', checkedUrl(screen.url)) +
        screen.items
          .slice(0, LIMITS.inputItems)
          .map(
            (item) =>
              '<InputItem>' +
              el('DisplayName', fit(item.displayName, LIMITS.inputDisplayName)) +
              el('QueryStringParam', fit(item.param, LIMITS.queryStringParam)) +
              el('DefaultValue', fit(item.defaultValue ?? '', LIMITS.defaultValue)) +
              el('InputFlags', item.flags) +
              '</InputItem>',
          )
          .join('') +
        softKeysXml(screen.softKeys) +
        '</CiscoIPPhoneInput>'
      );
  }
}
