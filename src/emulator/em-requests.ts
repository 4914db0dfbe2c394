/**
 * Reading an EM request (SPEC 5 steps 1-4 and 7): the decoded form to a message or a failure
 * code, what it is about (for the request log), where it came from, and how long a login lasts.
 */
import { EM_CODE } from './em-codes.js';
import type { EmRequestContext } from './em-types.js';
import type { FormResult } from './form.js';
import {
  readMessage,
  type EmMessage,
  type GrammarOptions,
  type GrammarResult,
  type RequestedDuration,
} from './grammar.js';
import type { EmulatorParams, EmulatorProfile } from './params.js';
import { parseXml, XmlRejected } from './xml.js';

/** SPEC 5 steps 1-4: a form that is not one, or XML refused, is code 1 as a request failure. */
export function readEmRequest(form: FormResult, options: GrammarOptions): GrammarResult {
  const invalid = { ok: false, code: EM_CODE.XML_VALIDATION, isQuery: false } as const;
  if (!form.ok) return { ...invalid, reason: 'not a form' };
  let root;
  try {
    root = parseXml(form.xml);
  } catch (error) {
    if (error instanceof XmlRejected) return { ...invalid, reason: 'xml rejected' };
    throw error;
  }
  return readMessage(root, options);
}

/** The first device and user a message names, for the request log. */
export function requestSubjects(message: EmMessage): { deviceName: string | null; userID: string | null } {
  return {
    deviceName:
      'deviceName' in message
        ? message.deviceName
        : 'deviceNames' in message
          ? firstOf(message.deviceNames)
          : null,
    userID: 'userID' in message ? message.userID : 'userIDs' in message ? firstOf(message.userIDs) : null,
  };
}

/** SPEC 5 step 7, modern only (SPEC 13: n/a in 4.1). A failure code, or undefined when allowed. */
export function originCode(
  message: EmMessage,
  context: EmRequestContext,
  profile: EmulatorProfile,
  params: EmulatorParams,
): number | undefined {
  if (profile !== 'modern' || !params.validateIp) return undefined;
  const viaProxy = message.isViaHeaderSet === true || context.viaHeader;
  if (viaProxy && !params.allowProxy) return EM_CODE.PROXY_NOT_ALLOWED;
  const source = normalizeIp(message.remoteIPAddr ?? context.remoteAddress);
  const trusted = params.trustedIps.some((ip) => normalizeIp(ip) === source);
  return trusted ? undefined : EM_CODE.UNTRUSTED_IP;
}

/** SPEC 6.2, each UNCONFIRMED branch behind its knob. Null means no automatic logout. */
export function effectiveDurationSec(requested: RequestedDuration, params: EmulatorParams): number | null {
  const maxSec = params.maxLoginTimeMinutes * 60;
  let seconds: number | null;
  if (!params.enforceMaxLoginTime) {
    seconds = requested.kind === 'minutes' ? requested.minutes * 60 : null;
  } else if (requested.kind === 'default') {
    seconds = maxSec;
  } else if (requested.kind === 'indefinite') {
    seconds = params.indefiniteOverridesMax ? null : maxSec;
  } else {
    seconds = params.capRequestedByMax ? Math.min(requested.minutes * 60, maxSec) : requested.minutes * 60;
  }
  // [EMU] a Maximum Login Time of 0:00 means no automatic logout rather than an instant one.
  return seconds === 0 ? null : seconds;
}

function firstOf(values: string[]): string | null {
  return values[0] ?? null;
}

function normalizeIp(address: string): string {
  const lowered = address.trim().toLowerCase();
  return lowered.startsWith('::ffff:') && lowered.includes('.') ? lowered.slice(7) : lowered;
}
