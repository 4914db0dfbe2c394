/**
 * Why a login needs a person, as a kind the notices turn into plain words (never the EM code):
 * the employee is told what is wrong in terms they can pass on, facilities see the code itself on
 * the Phones page. One mapping from EM codes (SPEC 8) to these kinds, here.
 */
import { EM_CODE } from '../em/index.js';

export type PhoneProblem =
  /** EM does not know the phone (its name in Roost is wrong, or it is not in the cluster). */
  | 'unknown-phone'
  /** EM does not know the person or their device profile. */
  | 'unknown-user'
  /** Extension Mobility is not enabled on the phone. */
  | 'em-disabled'
  /** The phone system refuses Roost itself (application user, proxy rights, trusted IPs). */
  | 'phone-system-access'
  /** Someone with a booking of their own holds the phone, or the person holds another one. */
  | 'phone-taken'
  /** The person has no EM user ID in Roost. */
  | 'no-em-user'
  | 'other';

const codesOf: [PhoneProblem, number[]][] = [
  ['unknown-phone', [EM_CODE.DEVICE_NOT_FOUND]],
  ['unknown-user', [EM_CODE.PROFILE_NOT_FOUND, EM_CODE.USER_NOT_FOUND]],
  ['em-disabled', [EM_CODE.DEVICE_LOGON_DISABLED_AT_LOGOUT, EM_CODE.DEVICE_LOGON_DISABLED]],
  [
    'phone-system-access',
    [
      EM_CODE.APP_USER_UNAUTHORIZED,
      EM_CODE.INVALID_APP_USER,
      EM_CODE.USER_LACKS_PROXY_RIGHTS,
      EM_CODE.UNTRUSTED_IP,
      EM_CODE.PROXY_NOT_ALLOWED,
    ],
  ],
  ['phone-taken', [EM_CODE.ANOTHER_USER_LOGGED_IN, EM_CODE.USER_LOGGED_IN_ELSEWHERE]],
];
const byCode: ReadonlyMap<number, PhoneProblem> = new Map(
  codesOf.flatMap(([kind, codes]) => codes.map((code) => [code, kind] as const)),
);

export function phoneProblemOf(emCode: number | null | undefined): PhoneProblem {
  return emCode === null || emCode === undefined ? 'other' : (byCode.get(emCode) ?? 'other');
}
