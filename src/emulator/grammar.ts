/**
 * Message grammar per profile (SPEC 4.1, 4.3) and step 3-4 of the canonical order (SPEC 5):
 * wrong root → 1; structural violations → 1; a `query` without a recognised query element → 8.
 */
import { EM_CODE } from './em-codes.js';
import type { EmulatorProfile } from './params.js';
import type { XmlElement } from './xml.js';

export interface AppInfo {
  appID: string;
  appCertificate?: string;
  appEncryptedCertificate?: string;
}

export type RequestedDuration =
  { kind: 'default' } | { kind: 'indefinite' } | { kind: 'minutes'; minutes: number };

interface Origin {
  remoteIPAddr?: string;
  isViaHeaderSet?: boolean;
}

export type EmMessage =
  | ({ op: 'login'; app: AppInfo; deviceName: string; userID: string; deviceProfile?: string } & Origin & {
        duration: RequestedDuration;
      })
  | ({ op: 'logout'; app: AppInfo; deviceName: string } & Origin)
  | ({ op: 'logoutAll'; app: AppInfo } & Origin)
  | ({ op: 'deviceUserQuery'; app: AppInfo; deviceNames: string[] } & Origin)
  | ({ op: 'userDevicesQuery'; app: AppInfo; userIDs: string[] } & Origin)
  | ({ op: 'deviceProfileQuery'; app: AppInfo; userIDs: string[] } & Origin)
  | ({ op: 'checkUser'; app: AppInfo; userIDs: string[] } & Origin);

export type QueryOp = 'deviceUserQuery' | 'userDevicesQuery' | 'deviceProfileQuery' | 'checkUser';

export interface GrammarOptions {
  profile: EmulatorProfile;
  strictGrammar: boolean;
  lenientRoot: boolean;
  acceptRequestOnlyChildren: boolean;
}

export type GrammarResult =
  | { ok: true; message: EmMessage; isQuery: boolean }
  | { ok: false; code: GrammarCode; isQuery: boolean; reason: string };

type GrammarCode = typeof EM_CODE.XML_VALIDATION | typeof EM_CODE.QUERY_TYPE_UNKNOWN;

class GrammarViolation extends Error {
  constructor(
    readonly code: GrammarCode,
    reason: string,
  ) {
    super(reason);
  }
}

interface Slot {
  name: string;
  min: 0 | 1;
  many?: boolean;
}

/** Upper bound on any EM time value: keeps due instants inside the Date range. */
const MAX_MINUTES = 100_000_000;

export function readMessage(root: XmlElement, options: GrammarOptions): GrammarResult {
  // SPEC 2.2 lenientRoot: a `query` wrapping `logoutAll` is re-dispatched as a request.
  const redispatch =
    root.name === 'query' && options.lenientRoot && root.children.some((c) => c.name === 'logoutAll');
  const isQuery = root.name === 'query' && !redispatch;
  try {
    if (root.name === 'request' || redispatch)
      return { ok: true, message: readRequest(root, options), isQuery };
    if (root.name === 'query') return { ok: true, message: readQuery(root, options), isQuery };
    return { ok: false, code: EM_CODE.XML_VALIDATION, isQuery, reason: `unknown root ${root.name}` };
  } catch (error) {
    if (error instanceof GrammarViolation)
      return { ok: false, code: error.code, isQuery, reason: error.message };
    throw error;
  }
}

function requestOps(profile: EmulatorProfile): string[] {
  return profile === 'modern' ? ['login', 'logout', 'logoutAll'] : ['login', 'logout'];
}

function queryOps(profile: EmulatorProfile): string[] {
  return profile === 'modern'
    ? ['deviceUserQuery', 'userDevicesQuery', 'deviceProfileQuery', 'userDeviceProfileQuery', 'checkUser']
    : ['deviceUserQuery', 'userDevicesQuery'];
}

function readRequest(root: XmlElement, options: GrammarOptions): EmMessage {
  const ops = root.children.filter((c) => requestOps(options.profile).includes(c.name));
  if (ops.length !== 1)
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'request needs exactly one operation');
  const op = ops[0] as XmlElement;
  const app = readHead(root, op, options);
  const extra = options.acceptRequestOnlyChildren;
  const origin: Slot[] = extra
    ? [
        { name: 'remoteIPAddr', min: 0 },
        { name: 'isViaHeaderSet', min: 0 },
      ]
    : [];
  switch (op.name) {
    case 'login': {
      const parts = match(
        op,
        [
          { name: 'deviceName', min: 1 },
          { name: 'userID', min: 1 },
          { name: 'deviceProfile', min: 0 },
          { name: 'exclusiveDuration', min: 0 },
          ...origin,
        ],
        options,
      );
      const deviceProfile = optionalText(parts, 'deviceProfile');
      return {
        op: 'login',
        app,
        deviceName: text(first(parts, 'deviceName')),
        userID: text(first(parts, 'userID')),
        // A blank profile means "not given": the user's default applies (SPEC 5.1 step 5).
        ...(deviceProfile ? { deviceProfile } : {}),
        duration: readDuration(parts.get('exclusiveDuration')?.[0], options),
        ...readOrigin(parts),
      };
    }
    case 'logout': {
      const parts = match(op, [{ name: 'deviceName', min: 1 }, ...origin], options);
      return { op: 'logout', app, deviceName: text(first(parts, 'deviceName')), ...readOrigin(parts) };
    }
    default: {
      const parts = match(op, origin, options);
      if (options.strictGrammar && op.text.trim() !== '')
        throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'logoutAll has text');
      return { op: 'logoutAll', app, ...readOrigin(parts) };
    }
  }
}

function readQuery(root: XmlElement, options: GrammarOptions): EmMessage {
  if (!root.children.some((c) => c.name === 'appInfo'))
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'query without appInfo');
  const known = queryOps(options.profile);
  const ops = root.children.filter((c) => known.includes(c.name));
  if (ops.length === 0) throw new GrammarViolation(EM_CODE.QUERY_TYPE_UNKNOWN, 'query type unknown');
  if (ops.length > 1) throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'more than one query element');
  const op = ops[0] as XmlElement;
  const app = readHead(root, op, options);
  const extra = options.acceptRequestOnlyChildren;
  const remote: Slot[] = extra ? [{ name: 'remoteIPAddr', min: 0 }] : [];
  const via: Slot[] = extra ? [{ name: 'isViaHeaderSet', min: 0 }] : [];
  if (op.name === 'deviceUserQuery') {
    const parts = match(op, [{ name: 'deviceName', min: 1, many: true }, ...remote], options);
    const deviceNames = (parts.get('deviceName') ?? []).map(text);
    return { op: 'deviceUserQuery', app, deviceNames, ...readOrigin(parts) };
  }
  const slots: Slot[] = [{ name: 'userID', min: 1, many: true }, ...remote];
  if (op.name !== 'userDevicesQuery') slots.push(...via);
  const parts = match(op, slots, options);
  const userIDs = (parts.get('userID') ?? []).map(text);
  const kind =
    op.name === 'userDevicesQuery'
      ? 'userDevicesQuery'
      : op.name === 'checkUser'
        ? 'checkUser'
        : 'deviceProfileQuery';
  return { op: kind, app, userIDs, ...readOrigin(parts) };
}

/** The root holds appInfo, then the one operation element; returns the appInfo. */
function readHead(root: XmlElement, op: XmlElement, options: GrammarOptions): AppInfo {
  const top = match(
    root,
    [
      { name: 'appInfo', min: 1 },
      { name: op.name, min: 1 },
    ],
    options,
  );
  return readAppInfo(first(top, 'appInfo'), options);
}

function readAppInfo(element: XmlElement, options: GrammarOptions): AppInfo {
  const slots: Slot[] = [
    { name: 'appID', min: 1 },
    { name: 'appCertificate', min: 0 },
  ];
  if (options.acceptRequestOnlyChildren) slots.push({ name: 'appEncryptedCertificate', min: 0 });
  const parts = match(element, slots, options);
  const certificate = parts.get('appCertificate')?.[0];
  const encrypted = parts.get('appEncryptedCertificate')?.[0];
  // SPEC 4.1: appCertificate | appEncryptedCertificate, exactly one.
  if ((certificate === undefined) === (encrypted === undefined)) {
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'appInfo needs exactly one certificate');
  }
  return {
    appID: text(first(parts, 'appID')),
    ...(certificate ? { appCertificate: text(certificate) } : {}),
    ...(encrypted ? { appEncryptedCertificate: text(encrypted) } : {}),
  };
}

function readDuration(element: XmlElement | undefined, options: GrammarOptions): RequestedDuration {
  if (!element) return { kind: 'default' };
  const parts = match(
    element,
    [
      { name: 'time', min: 0 },
      { name: 'indefinite', min: 0 },
    ],
    options,
  );
  const time = parts.get('time')?.[0];
  const indefinite = parts.get('indefinite')?.[0];
  // SPEC 6.1: both, or neither (empty exclusiveDuration), is a DTD violation.
  if ((time === undefined) === (indefinite === undefined)) {
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'exclusiveDuration needs time or indefinite');
  }
  if (indefinite) {
    if (indefinite.children.length > 0 || indefinite.text.trim() !== '') {
      throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'indefinite must be empty');
    }
    return { kind: 'indefinite' };
  }
  const value = text(time as XmlElement);
  // SPEC 6.1 [EMU]: negative, non-numeric or fractional minutes → 1; 0 means "not given".
  if (!/^\d{1,9}$/.test(value) || Number(value) > MAX_MINUTES) {
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'time must be whole minutes');
  }
  const minutes = Number(value);
  return minutes === 0 ? { kind: 'default' } : { kind: 'minutes', minutes };
}

function readOrigin(parts: Map<string, XmlElement[]>): Origin {
  const remote = optionalText(parts, 'remoteIPAddr');
  const via = optionalText(parts, 'isViaHeaderSet');
  let isViaHeaderSet: boolean | undefined;
  if (via !== undefined) {
    const lowered = via.toLowerCase();
    if (lowered !== 'true' && lowered !== 'false')
      throw new GrammarViolation(EM_CODE.XML_VALIDATION, 'isViaHeaderSet must be true|false');
    isViaHeaderSet = lowered === 'true';
  }
  return {
    ...(remote ? { remoteIPAddr: remote } : {}),
    ...(isViaHeaderSet !== undefined ? { isViaHeaderSet } : {}),
  };
}

/**
 * Matches element children against an ordered content model. Strict: any unknown, repeated or
 * out-of-order child, or stray text, is a violation. Lenient (strictGrammar false): unknown
 * children are ignored and known ones may come in any order; counts still apply.
 */
function match(element: XmlElement, slots: Slot[], options: GrammarOptions): Map<string, XmlElement[]> {
  const found = new Map<string, XmlElement[]>();
  const where = element.name;
  if (options.strictGrammar) {
    if (element.text.trim() !== '')
      throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${where} has stray text`);
    let slotIndex = 0;
    for (const child of element.children) {
      const at = slots.findIndex((s, i) => i >= slotIndex && s.name === child.name);
      if (at === -1) throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${where}: unexpected ${child.name}`);
      const slot = slots[at] as Slot;
      const seen = found.get(slot.name) ?? [];
      if (seen.length > 0 && !slot.many)
        throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${where}: repeated ${child.name}`);
      seen.push(child);
      found.set(slot.name, seen);
      slotIndex = at;
    }
  } else {
    for (const child of element.children) {
      const slot = slots.find((s) => s.name === child.name);
      if (!slot) continue;
      const seen = found.get(slot.name) ?? [];
      if (seen.length > 0 && !slot.many)
        throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${where}: repeated ${child.name}`);
      seen.push(child);
      found.set(slot.name, seen);
    }
  }
  for (const slot of slots) {
    if (slot.min === 1 && !found.has(slot.name))
      throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${where}: missing ${slot.name}`);
  }
  return found;
}

function first(parts: Map<string, XmlElement[]>, name: string): XmlElement {
  const element = parts.get(name)?.[0];
  if (!element) throw new GrammarViolation(EM_CODE.XML_VALIDATION, `missing ${name}`);
  return element;
}

function optionalText(parts: Map<string, XmlElement[]>, name: string): string | undefined {
  const element = parts.get(name)?.[0];
  return element ? text(element) : undefined;
}

/** TEXT content (SPEC 4 notation): character data only, whitespace-trimmed. */
function text(element: XmlElement): string {
  if (element.children.length > 0)
    throw new GrammarViolation(EM_CODE.XML_VALIDATION, `${element.name} must hold text only`);
  return element.text.trim();
}
