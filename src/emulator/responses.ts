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
    const users = this.userEntries(
      entries,
      (entry) => (entry.exists ? entry.deviceNames : null),
      (d) => `<deviceName>${escapeXml(d)}</deviceName>`,
    );
    return this.wrap(`<userDevicesResults>${users}</userDevicesResults>`);
  }

  deviceProfileResults(entries: UserProfilesEntry[]): string {
    const users = this.userEntries(
      entries,
      (entry) => (entry.exists ? entry.profiles : null),
      (p, i) =>
        `<deviceProfile><deviceProfileName>${escapeXml(p)}</deviceProfileName>` +
        `<isDefaultDeviceProfile>${i === 0 ? 't' : 'f'}</isDefaultDeviceProfile></deviceProfile>`,
    );
    return this.wrap(`<deviceProfileResults>${users}</deviceProfileResults>`);
  }

  /** One `<user id>` per entry: `<doesNotExist/>` (items null), `<none/>` (empty), or the items. */
  private userEntries<E extends { id: string }>(
    entries: E[],
    items: (entry: E) => string[] | null,
    item: (value: string, index: number) => string,
  ): string {
    return entries
      .map((entry) => {
        const values = items(entry);
        const body =
          values === null ? '<doesNotExist/>' : values.length === 0 ? '<none/>' : values.map(item).join('');
        return `<user id="${this.userId(entry.id)}">${body}</user>`;
      })
      .join('');
  }

  checkUserResults(entries: CheckUserEntry[]): string {
    const users = entries.map((entry) => {
      const body = entry.exists ? `<exists>${escapeXml(entry.userID)}</exists>` : '<doesNotExist/>';
      return `<user id="${this.userId(entry.id)}">${body}</user>`;
    });
    return this.wrap(`<checkUserResults>${users.join('')}</checkUserResults>`);
  }
}
