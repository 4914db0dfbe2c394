/** Answers to the four queries (SPEC 4.3, 4.4) from the cluster state; queries change nothing. */
import { EM_CODE, errorText } from './em-codes.js';
import type { EmMessage } from './grammar.js';
import type { ResponseWriter } from './responses.js';
import type { ClusterState } from './state.js';

export function answerQuery(message: EmMessage, cluster: ClusterState, writer: ResponseWriter): string {
  switch (message.op) {
    case 'deviceUserQuery':
      return writer.deviceUserResults(
        message.deviceNames.map((name) => {
          const device = cluster.device(name);
          return device
            ? { name, exists: true, currentUser: device.currentUser, lastUser: device.lastUser }
            : { name, exists: false };
        }),
      );
    case 'userDevicesQuery':
      return writer.userDevicesResults(
        message.userIDs.map((id) => {
          const user = cluster.user(id);
          return user
            ? { id, exists: true, deviceNames: cluster.devicesOf(user.userID).map((d) => d.name) }
            : { id, exists: false };
        }),
      );
    case 'deviceProfileQuery':
      return writer.deviceProfileResults(
        message.userIDs.map((id) => {
          const user = cluster.user(id);
          return user ? { id, exists: true, profiles: user.profiles } : { id, exists: false };
        }),
      );
    case 'checkUser':
      return writer.checkUserResults(
        message.userIDs.map((id) => {
          const user = cluster.user(id);
          return user ? { id, exists: true, userID: user.userID } : { id, exists: false };
        }),
      );
    default:
      return writer.queryFailure(EM_CODE.QUERY_TYPE_UNKNOWN, errorText(EM_CODE.QUERY_TYPE_UNKNOWN));
  }
}
