/**
 * EM messages: building requests/queries (SPEC 4.1, 4.3) and interpreting replies (SPEC 4.2, 4.4).
 * Pure functions, no I/O, so every wire shape can be unit-tested.
 */
import { EM_CODE_UNKNOWN } from './em-codes.js';
import { buildXml, childrenNamed, firstChild, parseXml, type XmlElement, type XmlNode } from './em-xml.js';
import type { DeviceUser, LoginDuration, UserDeviceProfiles, UserDevices } from './em-types.js';

export interface EmCredentials {
  appUser: string;
  appPassword: string;
}

/**
 * What a reply said, before the client attaches meanings and retry classes. `unexpected` means the
 * body is not an EM reply we understand; the client reports it as a transport failure.
 */
export type EmReply<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'em'; code: number; detail?: string }
  | { kind: 'unexpected'; reason: string };

// ---------------------------------------------------------------------------------------------
// Building. Element order follows the grammar of SPEC 4.1/4.3 because strict servers reject
// out-of-order children with code 1. No remoteIPAddr/isViaHeaderSet: a third-party client omits
// them (SPEC 4.1 notes). No DOCTYPE and no XML declaration: both are optional (SPEC 2.2).

function appInfo(creds: EmCredentials): XmlNode {
  return {
    name: 'appInfo',
    children: [
      { name: 'appID', text: creds.appUser },
      { name: 'appCertificate', text: creds.appPassword },
    ],
  };
}

export function buildLoginXml(
  creds: EmCredentials,
  deviceName: string,
  userId: string,
  duration: LoginDuration,
): string {
  const login: XmlNode[] = [
    { name: 'deviceName', text: deviceName },
    { name: 'userID', text: userId },
  ];
  if (duration.profile !== undefined) login.push({ name: 'deviceProfile', text: duration.profile });
  // `<time>` is whole minutes (SPEC 6.1); `<indefinite/>` asks for no automatic logout. We never
  // send `<time>0</time>` (UNCONFIRMED meaning) nor omit the element (server default applies).
  const slot: XmlNode =
    'indefinite' in duration ? { name: 'indefinite' } : { name: 'time', text: String(duration.minutes) };
  login.push({ name: 'exclusiveDuration', children: [slot] });
  return buildXml({ name: 'request', children: [appInfo(creds), { name: 'login', children: login }] });
}

export function buildLogoutXml(creds: EmCredentials, deviceName: string): string {
  return buildXml({
    name: 'request',
    children: [appInfo(creds), { name: 'logout', children: [{ name: 'deviceName', text: deviceName }] }],
  });
}

/** logoutAll is a `request` (SPEC 5.3); wrapping it in `query` is an UNCONFIRMED tolerance. */
export function buildLogoutAllXml(creds: EmCredentials): string {
  return buildXml({ name: 'request', children: [appInfo(creds), { name: 'logoutAll' }] });
}

function buildQuery(creds: EmCredentials, queryName: string, itemName: string, items: string[]): string {
  return buildXml({
    name: 'query',
    children: [
      appInfo(creds),
      { name: queryName, children: items.map((text) => ({ name: itemName, text })) },
    ],
  });
}

export function buildDeviceUserQueryXml(creds: EmCredentials, deviceNames: string[]): string {
  return buildQuery(creds, 'deviceUserQuery', 'deviceName', deviceNames);
}

export function buildUserDevicesQueryXml(creds: EmCredentials, userIds: string[]): string {
  return buildQuery(creds, 'userDevicesQuery', 'userID', userIds);
}

/** SPEC 4.3: the DTD name `deviceProfileQuery` is what clients send (not userDeviceProfileQuery). */
export function buildDeviceProfileQueryXml(creds: EmCredentials, userIds: string[]): string {
  return buildQuery(creds, 'deviceProfileQuery', 'userID', userIds);
}

/** SPEC 2.2: the form has one field `xml`; encodeURIComponent output is valid form encoding. */
export function encodeForm(xml: string): string {
  return `xml=${encodeURIComponent(xml)}`;
}

// ---------------------------------------------------------------------------------------------
// Interpreting

/**
 * Later releases percent-encode user IDs in replies (SPEC 2.3); 4.1 sends them plain. Decoding a
 * plain ID is harmless unless it contains a `%` sequence, and a malformed sequence leaves the
 * string as it was.
 */
export function decodeUserId(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

class Unexpected extends Error {}

function parseResponseRoot(body: string, allowResultsRoot = false): XmlElement {
  const parsed = parseXml(body);
  if (!parsed.ok) throw new Unexpected(`unparseable body (${parsed.reason})`);
  const { root } = parsed;
  if (root.name !== 'response' && !(allowResultsRoot && root.name === 'results')) {
    throw new Unexpected(`unexpected root element <${root.name.slice(0, 40)}>`);
  }
  return root;
}

function onlyChild(el: XmlElement): XmlElement {
  const [child, ...rest] = el.children;
  if (child === undefined) throw new Unexpected(`empty <${el.name}>`);
  if (rest.length > 0) throw new Unexpected(`more than one element in <${el.name}>`);
  return child;
}

function parseCode(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\s*\d{1,6}\s*$/.test(raw)) return undefined;
  return Number(raw.trim());
}

/**
 * The failure forms of SPEC 4.2/4.4: `<error code="N">`, the DTD's code-less `<errorMessage>` and
 * the per-user `<error>` without a code. Without a number we report EM_CODE_UNKNOWN (0), whose
 * retry class is transient: we cannot tell more from free text and must not try (SPEC 2.3).
 */
function interpretFailure(failure: XmlElement): { kind: 'em'; code: number; detail?: string } {
  const error = firstChild(failure, 'error');
  if (error !== undefined) {
    const code = parseCode(error.attrs['code']) ?? EM_CODE_UNKNOWN;
    return withDetail(code, error.text);
  }
  const message = firstChild(failure, 'errorMessage');
  if (message !== undefined) return withDetail(EM_CODE_UNKNOWN, message.text);
  throw new Unexpected('<failure> without <error> or <errorMessage>');
}

function withDetail(code: number, text: string): { kind: 'em'; code: number; detail?: string } {
  const detail = text.trim();
  return detail === '' ? { kind: 'em', code } : { kind: 'em', code, detail };
}

function catchUnexpected<T>(fn: () => EmReply<T>): EmReply<T> {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Unexpected) return { kind: 'unexpected', reason: err.message };
    throw err;
  }
}

/** SPEC 4.2: `<response><success/></response>` or a failure. */
export function interpretActionReply(body: string): EmReply<void> {
  return catchUnexpected(() => {
    const child = onlyChild(parseResponseRoot(body));
    if (child.name === 'success') return { kind: 'ok', value: undefined };
    if (child.name === 'failure') return interpretFailure(child);
    throw new Unexpected(`unexpected element <${child.name.slice(0, 40)}>`);
  });
}

function requiredAttr(el: XmlElement, name: string): string {
  const value = el.attrs[name];
  if (value === undefined) throw new Unexpected(`<${el.name}> without ${name} attribute`);
  return value.trim();
}

/**
 * Query replies: the results element, or a failure as a direct child of the root (forms 1 and 2 of
 * SPEC 4.4).
 */
function queryResults(root: XmlElement, resultsName: string): XmlElement | { kind: 'em'; code: number } {
  const child = onlyChild(root);
  if (child.name === 'failure') return interpretFailure(child);
  if (child.name !== resultsName) throw new Unexpected(`unexpected element <${child.name.slice(0, 40)}>`);
  return child;
}

/**
 * One `device` entry in any era (SPEC 4.4): 4.1 single slot (`userID | none | doesNotExist`),
 * 5.x+ two slots (current, then `lastlogin | none`), 8.x+ plus `emccDevice`, which we ignore.
 */
function interpretDevice(device: XmlElement): DeviceUser {
  const deviceName = requiredAttr(device, 'name');
  const slots = device.children.filter((c) => c.name !== 'emccDevice');
  const [current, last] = slots;
  if (current === undefined) throw new Unexpected('empty <device>');
  if (current.name === 'doesNotExist') return { deviceName, state: 'doesNotExist' };
  const entry: DeviceUser =
    current.name === 'userID'
      ? { deviceName, state: 'loggedIn', userId: decodeUserId(current.text.trim()) }
      : current.name === 'none'
        ? { deviceName, state: 'free' }
        : unexpected(`unexpected element <${current.name.slice(0, 40)}> in <device>`);
  if (last !== undefined && last.name === 'lastlogin') {
    const lastUserId = decodeUserId(last.text.trim());
    if (lastUserId !== '') entry.lastUserId = lastUserId;
  } else if (last !== undefined && last.name !== 'none') {
    throw new Unexpected(`unexpected element <${last.name.slice(0, 40)}> in <device>`);
  }
  return entry;
}

function unexpected(reason: string): never {
  throw new Unexpected(reason);
}

export function interpretDeviceUserReply(body: string): EmReply<DeviceUser[]> {
  return catchUnexpected(() => {
    const results = queryResults(parseResponseRoot(body), 'deviceUserResults');
    if ('kind' in results) return results;
    const devices = results.children.map((d) =>
      d.name === 'device' ? interpretDevice(d) : unexpected(`unexpected <${d.name.slice(0, 40)}>`),
    );
    return { kind: 'ok', value: devices };
  });
}

function interpretUser(user: XmlElement): UserDevices {
  const userId = decodeUserId(requiredAttr(user, 'id'));
  const [first] = user.children;
  if (first?.name === 'none' && user.children.length === 1) return { userId, state: 'none', deviceNames: [] };
  if (first?.name === 'doesNotExist' && user.children.length === 1) {
    return { userId, state: 'doesNotExist', deviceNames: [] };
  }
  if (first !== undefined && user.children.every((c) => c.name === 'deviceName')) {
    return { userId, state: 'loggedIn', deviceNames: user.children.map((c) => c.text.trim()) };
  }
  throw new Unexpected('unexpected content in <user>');
}

export function interpretUserDevicesReply(body: string): EmReply<UserDevices[]> {
  return catchUnexpected(() => {
    const results = queryResults(parseResponseRoot(body), 'userDevicesResults');
    if ('kind' in results) return results;
    const users = results.children.map((u) =>
      u.name === 'user' ? interpretUser(u) : unexpected(`unexpected <${u.name.slice(0, 40)}>`),
    );
    return { kind: 'ok', value: users };
  });
}

/**
 * SPEC 4.4 shapes A (`deviceProfile` with name and t/f default flag, root `response`) and B
 * (`deviceName` list, root `results`). Shape B carries no default flag, so every profile is
 * reported with isDefault false rather than guessing from the order.
 */
function interpretProfileUser(user: XmlElement): UserDeviceProfiles | { kind: 'em'; code: number } {
  const userId = decodeUserId(requiredAttr(user, 'id'));
  const failure = firstChild(user, 'failure');
  if (failure !== undefined) return interpretFailure(failure);
  const only = user.children.length === 1 ? user.children[0] : undefined;
  if (only?.name === 'doesNotExist') return { userId, state: 'doesNotExist', profiles: [] };
  if (only?.name === 'none' || user.children.length === 0) return { userId, state: 'none', profiles: [] };
  const profiles = user.children.map((c) => {
    if (c.name === 'deviceName') return { name: c.text.trim(), isDefault: false };
    if (c.name !== 'deviceProfile') throw new Unexpected(`unexpected <${c.name.slice(0, 40)}> in <user>`);
    const name = firstChild(c, 'deviceProfileName')?.text.trim();
    if (name === undefined || name === '') throw new Unexpected('<deviceProfile> without a name');
    const flag = firstChild(c, 'isDefaultDeviceProfile')?.text.trim().toLowerCase();
    return { name, isDefault: flag === 't' || flag === 'true' };
  });
  return { userId, state: 'ok', profiles };
}

export function interpretDeviceProfileReply(body: string): EmReply<UserDeviceProfiles[]> {
  return catchUnexpected(() => {
    const results = queryResults(parseResponseRoot(body, true), 'deviceProfileResults');
    if ('kind' in results) return results;
    const users: UserDeviceProfiles[] = [];
    for (const u of childrenNamed(results, 'user')) {
      const entry = interpretProfileUser(u);
      // Form 3 of SPEC 4.4 (per-user failure, UNCONFIRMED): the result type has no per-user error
      // state, so the whole query fails with that user's code rather than hiding the failure.
      if ('kind' in entry) return entry;
      users.push(entry);
    }
    if (users.length !== results.children.length) throw new Unexpected('unexpected element in results');
    return { kind: 'ok', value: users };
  });
}
