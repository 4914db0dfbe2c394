/**
 * The emulated CUCM database (SPEC 1.2): devices with their dynamic EM record, end users with
 * their device profiles, application users. Names compare case-insensitively (SPEC 12).
 */
import type { EmulatorFixture } from './fixture.js';

export interface DeviceRecord {
  name: string;
  emEnabled: boolean;
  currentUser: string | null;
  currentProfile: string | null;
  loginAt: number | null;
  /** Effective login duration in seconds; null when no automatic logout applies. */
  loginDurationSec: number | null;
  lastUser: string | null;
}

export interface UserRecord {
  userID: string;
  profiles: string[];
}

export interface AppUserRecord {
  appID: string;
  password: string;
  proxyRights: boolean;
  mustChangePassword: boolean;
}

export const key = (name: string): string => name.toLowerCase();

export class ClusterState {
  readonly devices = new Map<string, DeviceRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly appUsers = new Map<string, AppUserRecord>();
  /** Every known device profile name, lower-cased → as configured. */
  readonly profiles = new Map<string, string>();

  constructor(fixture: EmulatorFixture) {
    for (const app of fixture.appUsers) {
      this.appUsers.set(key(app.appID), { ...app, mustChangePassword: app.mustChangePassword ?? false });
    }
    for (const user of fixture.users) {
      this.users.set(key(user.userID), { userID: user.userID, profiles: [...user.profiles] });
      for (const profile of user.profiles) this.profiles.set(key(profile), profile);
    }
    for (const device of fixture.devices) {
      this.devices.set(key(device.name), {
        name: device.name,
        emEnabled: device.emEnabled,
        currentUser: null,
        currentProfile: null,
        loginAt: null,
        loginDurationSec: null,
        lastUser: null,
      });
    }
  }

  device(name: string): DeviceRecord | undefined {
    return this.devices.get(key(name));
  }

  user(userID: string): UserRecord | undefined {
    return this.users.get(key(userID));
  }

  /** Devices where the user is currently logged in, in fixture order. */
  devicesOf(userID: string): DeviceRecord[] {
    const wanted = key(userID);
    return [...this.devices.values()].filter((d) => d.currentUser !== null && key(d.currentUser) === wanted);
  }

  commitLogin(
    device: DeviceRecord,
    userID: string,
    profile: string,
    at: number,
    durationSec: number | null,
  ): void {
    device.currentUser = userID;
    device.currentProfile = profile;
    device.loginAt = at;
    device.loginDurationSec = durationSec;
  }

  /** SPEC 5.2 step 5: clear the login and remember the departing user as last login. */
  commitLogout(device: DeviceRecord): string | null {
    const departing = device.currentUser;
    if (departing !== null) device.lastUser = departing;
    device.currentUser = null;
    device.currentProfile = null;
    device.loginAt = null;
    device.loginDurationSec = null;
    return departing;
  }
}
