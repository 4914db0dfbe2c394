/**
 * Response bodies (SPEC 2.3, 4.2, 4.4). Compact, no whitespace between elements, optional
 * `<?xml version="1.0"?>` prefix; user IDs percent-encoded when the profile says so.
 */
import { escapeText, escapeXml } from './xml.js';

export interface RenderOptions {
  xmlDeclaration: boolean;
  encodeUserIds: boolean;
  deviceEntryForm: 'single' | 'lastLogin';
  queryFailureForm: 'errorMessage' | 'errorCode';
}

export type DeviceEntry =
  | { name: string; exists: false }
  | { name: string; exists: true; currentUser: string | null; lastUser: string | null };

export type UserDevicesEntry =
  { id: string; exists: false } | { id: string; exists: true; deviceNames: string[] };

export type UserProfilesEntry =
  { id: string; exists: false } | { id: string; exists: true; profiles: string[] /* default first */ };

export type CheckUserEntry = { id: string; exists: false } | { id: string; exists: true; userID: string };

/** Illustrative texts; only the code is contractual (SPEC 2.3, 8). */
const MESSAGES: Record<number, string> = {
  0: 'Unknown Error',
  1: 'XML Validation Error',
  2: 'Authentication Error',
  3: 'Invalid Authentication',
  4: 'Policy Validation Error',
  5: 'Device logon disabled',
  6: 'Database Error',
  7: 'AutoLogout Setup Error',
  8: 'Query Type Unknown',
  9: 'DirUser Creation Error',
  10: 'Proxy Authentication Not Allowed',
  11: 'Device Does Not Exist',
  12: 'Device Profile Does Not Exist',
  18: 'Login failed: phone currently has user logged in',
  19: 'No user logged in',
  20: 'Hoteling flag error',
  21: 'Hoteling Status error',
  22: 'Device logon disabled',
  23: 'User does not exist',
  25: 'User logged in elsewhere',
  26: 'Busy, please try again',
  27: 'Change Password',
  28: 'Untrusted IP Error',
  29: 'RIS down-contact admin',
  30: 'Proxy not allowed',
};

export function errorText(code: number, appID?: string): string {
  // SPEC 3: the documented sample text for code 3.
  if (code === 3 && appID !== undefined) return `Could not authenticate '${appID}'`;
  return MESSAGES[code] ?? 'Error';
}

export class ResponseWriter {
  constructor(private readonly options: RenderOptions) {}

  private wrap(inner: string): string {
    return `${this.options.xmlDeclaration ? '<?xml version="1.0"?>' : ''}<response>${inner}</response>`;
  }

  /** SPEC 2.3: percent-encoded UTF-8 in `<userID>` text and `user id` attributes only. */
  private userId(userID: string): string {
    return escapeXml(this.options.encodeUserIds ? encodeURIComponent(userID) : userID);
  }

  success(): string {
    return this.wrap('<success/>');
  }

  requestFailure(code: number, text: string): string {
    return this.wrap(`<failure><error code="${code}">${escapeText(text)}</error></failure>`);
  }

  /** SPEC 4.4: 4.1 answers queries with errorMessage (no code); modern with error code. */
  queryFailure(code: number, text: string): string {
    if (this.options.queryFailureForm === 'errorMessage') {
      return this.wrap(`<failure><errorMessage>${escapeText(text)}</errorMessage></failure>`);
    }
    return this.requestFailure(code, text);
  }

  deviceUserResults(entries: DeviceEntry[]): string {
    const devices = entries.map((entry) => {
      const name = escapeXml(entry.name);
      if (!entry.exists) return `<device name="${name}"><doesNotExist/></device>`;
      const current =
        entry.currentUser === null ? '<none/>' : `<userID>${this.userId(entry.currentUser)}</userID>`;
      if (this.options.deviceEntryForm === 'single') return `<device name="${name}">${current}</device>`;
      const last =
        entry.lastUser === null ? '<none/>' : `<lastlogin>${escapeXml(entry.lastUser)}</lastlogin>`;
      return `<device name="${name}">${current}${last}<emccDevice>no</emccDevice></device>`;
    });
    return this.wrap(`<deviceUserResults>${devices.join('')}</deviceUserResults>`);
  }

  userDevicesResults(entries: UserDevicesEntry[]): string {
    const users = entries.map((entry) => {
      const body = !entry.exists
        ? '<doesNotExist/>'
        : entry.deviceNames.length === 0
          ? '<none/>'
          : entry.deviceNames.map((d) => `<deviceName>${escapeXml(d)}</deviceName>`).join('');
      return `<user id="${this.userId(entry.id)}">${body}</user>`;
    });
    return this.wrap(`<userDevicesResults>${users.join('')}</userDevicesResults>`);
  }

  deviceProfileResults(entries: UserProfilesEntry[]): string {
    const users = entries.map((entry) => {
      const body = !entry.exists
        ? '<doesNotExist/>'
        : entry.profiles.length === 0
          ? '<none/>'
          : entry.profiles
              .map(
                (p, i) =>
                  `<deviceProfile><deviceProfileName>${escapeXml(p)}</deviceProfileName>` +
                  `<isDefaultDeviceProfile>${i === 0 ? 't' : 'f'}</isDefaultDeviceProfile></deviceProfile>`,
              )
              .join('');
      return `<user id="${this.userId(entry.id)}">${body}</user>`;
    });
    return this.wrap(`<deviceProfileResults>${users.join('')}</deviceProfileResults>`);
  }

  checkUserResults(entries: CheckUserEntry[]): string {
    const users = entries.map((entry) => {
      const body = entry.exists ? `<exists>${escapeXml(entry.userID)}</exists>` : '<doesNotExist/>';
      return `<user id="${this.userId(entry.id)}">${body}</user>`;
    });
    return this.wrap(`<checkUserResults>${users.join('')}</checkUserResults>`);
  }
}
