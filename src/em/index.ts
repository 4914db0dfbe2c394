export {
  createEmClient,
  DEVICE_QUERY_BATCH,
  EM_SERVLET_PATH,
  type EmClient,
  type EmClientOptions,
} from './em-client.js';
export {
  EM_CODE,
  EM_CODE_BUSY,
  EM_CODE_UNKNOWN,
  EM_CODE_UNSUPPORTED,
  emCodeMeaning,
  emRetryClass,
  type EmRetryClass,
} from './em-codes.js';
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
