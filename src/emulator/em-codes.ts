/**
 * The EM error codes the emulator answers with (SPEC 8), by name, and their illustrative texts.
 * Only the number is contractual (SPEC 2.3); the texts follow the spec's samples.
 */
export const EM_CODE = {
  UNKNOWN: 0,
  XML_VALIDATION: 1,
  AUTHENTICATION: 2,
  INVALID_AUTHENTICATION: 3,
  POLICY_VALIDATION: 4,
  DEVICE_LOGON_DISABLED: 5,
  DATABASE: 6,
  AUTO_LOGOUT_SETUP: 7,
  QUERY_TYPE_UNKNOWN: 8,
  DIR_USER_CREATION: 9,
  PROXY_AUTHENTICATION_NOT_ALLOWED: 10,
  DEVICE_DOES_NOT_EXIST: 11,
  DEVICE_PROFILE_DOES_NOT_EXIST: 12,
  DEVICE_OCCUPIED: 18,
  NO_USER_LOGGED_IN: 19,
  HOTELING_FLAG: 20,
  HOTELING_STATUS: 21,
  DEVICE_EM_DISABLED: 22,
  USER_DOES_NOT_EXIST: 23,
  USER_LOGGED_IN_ELSEWHERE: 25,
  BUSY: 26,
  CHANGE_PASSWORD: 27,
  UNTRUSTED_IP: 28,
  RIS_DOWN: 29,
  PROXY_NOT_ALLOWED: 30,
} as const;

export type EmCode = (typeof EM_CODE)[keyof typeof EM_CODE];

/** Illustrative texts; only the code is contractual (SPEC 2.3, 8). */
const MESSAGES: Record<number, string> = {
  [EM_CODE.UNKNOWN]: 'Unknown Error',
  [EM_CODE.XML_VALIDATION]: 'XML Validation Error',
  [EM_CODE.AUTHENTICATION]: 'Authentication Error',
  [EM_CODE.INVALID_AUTHENTICATION]: 'Invalid Authentication',
  [EM_CODE.POLICY_VALIDATION]: 'Policy Validation Error',
  [EM_CODE.DEVICE_LOGON_DISABLED]: 'Device logon disabled',
  [EM_CODE.DATABASE]: 'Database Error',
  [EM_CODE.AUTO_LOGOUT_SETUP]: 'AutoLogout Setup Error',
  [EM_CODE.QUERY_TYPE_UNKNOWN]: 'Query Type Unknown',
  [EM_CODE.DIR_USER_CREATION]: 'DirUser Creation Error',
  [EM_CODE.PROXY_AUTHENTICATION_NOT_ALLOWED]: 'Proxy Authentication Not Allowed',
  [EM_CODE.DEVICE_DOES_NOT_EXIST]: 'Device Does Not Exist',
  [EM_CODE.DEVICE_PROFILE_DOES_NOT_EXIST]: 'Device Profile Does Not Exist',
  [EM_CODE.DEVICE_OCCUPIED]: 'Login failed: phone currently has user logged in',
  [EM_CODE.NO_USER_LOGGED_IN]: 'No user logged in',
  [EM_CODE.HOTELING_FLAG]: 'Hoteling flag error',
  [EM_CODE.HOTELING_STATUS]: 'Hoteling Status error',
  [EM_CODE.DEVICE_EM_DISABLED]: 'Device logon disabled',
  [EM_CODE.USER_DOES_NOT_EXIST]: 'User does not exist',
  [EM_CODE.USER_LOGGED_IN_ELSEWHERE]: 'User logged in elsewhere',
  [EM_CODE.BUSY]: 'Busy, please try again',
  [EM_CODE.CHANGE_PASSWORD]: 'Change Password',
  [EM_CODE.UNTRUSTED_IP]: 'Untrusted IP Error',
  [EM_CODE.RIS_DOWN]: 'RIS down-contact admin',
  [EM_CODE.PROXY_NOT_ALLOWED]: 'Proxy not allowed',
};

export function errorText(code: number, appID?: string): string {
  // SPEC 3: the documented sample text for code 3.
  if (code === EM_CODE.INVALID_AUTHENTICATION && appID !== undefined)
    return `Could not authenticate '${appID}'`;
  return MESSAGES[code] ?? 'Error';
}
