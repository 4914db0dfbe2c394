export {
  createEmClient,
  DEVICE_QUERY_BATCH,
  EM_SERVLET_PATH,
  emCodeMeaning,
  emRetryClass,
  type EmClient,
  type EmClientOptions,
} from './em-client.js';
export { EM_CODE_BUSY, EM_CODE_UNKNOWN, EM_CODE_UNSUPPORTED, type EmRetryClass } from './em-codes.js';
export type {
  DeviceUser,
  EmApiProfile,
  EmFailure,
  EmLogger,
  EmOutcome,
  LoginDuration,
  UserDeviceProfiles,
  UserDevices,
} from './em-types.js';
