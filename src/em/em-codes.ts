/**
 * EM response codes (SPEC 8) and the retry class the client attaches to each one.
 *
 * The client keys exclusively on the numeric code (SPEC 2.3); the free-form `<error>` text differs
 * between releases and is never interpreted.
 */

export type EmRetryClass = 'backoff' | 'transient' | 'conflict' | 'permanent';

/**
 * Code the client reports itself, never sent by a server: the operation does not exist on the
 * configured cluster profile (logoutAll and deviceProfileQuery are 8.x+, SPEC 11).
 */
export const EM_CODE_UNSUPPORTED = -1;

/** Code the client reports when a query failed in a form without a numeric code (SPEC 4.4). */
export const EM_CODE_UNKNOWN = 0;

export const EM_CODE_BUSY = 26;

/** The codes Roost acts on by number (SPEC 8; the scheduler's conflict handling, SPEC 7). */
export const EM_CODE = {
  /** 2, 3: the application user's credentials are refused. */
  APP_USER_UNAUTHORIZED: 2,
  INVALID_APP_USER: 3,
  DEVICE_NOT_FOUND: 11,
  PROFILE_NOT_FOUND: 12,
  /** Someone else is logged in on the device. */
  ANOTHER_USER_LOGGED_IN: 18,
  /** Nobody is logged in on the device (a logout of nobody). */
  NO_USER_LOGGED_IN: 19,
  /** EM is not enabled on the device. */
  DEVICE_LOGON_DISABLED: 22,
  USER_NOT_FOUND: 23,
  /** The user is logged in on another device and multiple login is not allowed. */
  USER_LOGGED_IN_ELSEWHERE: 25,
  BUSY: EM_CODE_BUSY,
} as const;

// Current Cisco names (SPEC 8, "Current name" column); the 4.1 names differ for some codes but
// the numbers are what the wire contract fixes.
const meanings: ReadonlyMap<number, string> = new Map([
  [EM_CODE_UNSUPPORTED, 'not available on this cluster profile'],
  [0, 'Unknown Error'],
  [1, 'Error on Parsing (XML validation error)'],
  [2, 'Cannot authorize App user'],
  [3, 'Invalid App User'],
  [4, 'Policy Validation error'],
  [5, 'Device logon disabled (at logout)'],
  [6, 'Database Error'],
  [7, 'Logout Request Error (automatic logout could not be set up)'],
  [8, 'Query type undetermined'],
  [9, 'Dir. User Info Error'],
  [10, 'User lacks app proxy rights'],
  [11, 'Device does not exist'],
  [12, 'Dev. Profile not found'],
  [18, 'Another user logged in'],
  [19, 'No user logged in'],
  [20, 'Hoteling flag error'],
  [21, 'Hoteling Status error'],
  [22, 'Device logon disabled'],
  [23, 'User does not exist'],
  [25, 'User logged in elsewhere'],
  [26, 'Busy, please try again'],
  [27, 'Change Password'],
  [28, 'Untrusted IP Error'],
  [29, 'RIS down-contact admin'],
  [30, 'Proxy not allowed'],
  [31, 'EMCC Not Activated for the user'],
  [32, 'Device does not support EMCC'],
  [33, 'No free EMCC dummy device'],
  [35, 'Visiting cluster information not present in home cluster'],
  [36, 'No Remote Cluster'],
  [37, 'Duplicate Device Name'],
  [38, 'EMCC Not Allowed'],
  [39, 'Configuration Issue (EMCC TFTP)'],
  [40, 'No Response from Remote Host'],
  [41, 'PIN change is required'],
  [42, 'Invalid ClusterID'],
  [43, 'Device Security mode error'],
  [44, 'Invalid ClusterID'],
  [45, 'Remote Cluster version not supported'],
  [46, 'Remote Cluster security mode not supported'],
  [47, 'DN has multiple users'],
]);

/** Human-readable meaning of an EM code (SPEC 8 table); unknown codes get a generic text. */
export function emCodeMeaning(code: number): string {
  return meanings.get(code) ?? `Unknown EM code ${code}`;
}

// SPEC 8 "Client retry classes".
const transientCodes: ReadonlySet<number> = new Set([0, 4, 6, 7, 9, 20, 21, 29]);
const conflictCodes: ReadonlySet<number> = new Set([
  EM_CODE.ANOTHER_USER_LOGGED_IN,
  EM_CODE.NO_USER_LOGGED_IN,
  EM_CODE.USER_LOGGED_IN_ELSEWHERE,
]);

/**
 * Retry class of a code. Everything the SPEC does not list as busy, transient or conflict is
 * permanent: the listed permanent codes, the EMCC-only codes (31-47, which the API should never
 * return), reserved numbers and our own EM_CODE_UNSUPPORTED. Treating an unknown code as
 * permanent makes the scheduler alert a person instead of retrying something it cannot reason
 * about.
 */
export function emRetryClass(code: number): EmRetryClass {
  if (code === EM_CODE_BUSY) return 'backoff';
  if (transientCodes.has(code)) return 'transient';
  if (conflictCodes.has(code)) return 'conflict';
  return 'permanent';
}
