import { DEMO_EM_APP_PASSWORD, DEMO_EM_APP_USER } from '../config.js';
import { demoSites, demoUsers } from './company.js';

/** The emulator's demo cluster (CONTROL.md fixture format), derived from the demo company. */
export function demoEmFixture() {
  return {
    appUsers: [{ appID: DEMO_EM_APP_USER, password: DEMO_EM_APP_PASSWORD, proxyRights: true }],
    users: demoUsers.map((u) => ({ userID: u.emUserId, profiles: [u.deviceProfile] })),
    devices: demoSites.flatMap((s) =>
      s.floors.flatMap((f) => f.desks.map((d) => ({ name: d.deviceName, emEnabled: true }))),
    ),
    params: {
      multipleLoginBehavior: 'NotAllowed' as const,
      enforceMaxLoginTime: false,
      maxLoginTimeMinutes: 480,
    },
  };
}
