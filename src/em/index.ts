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
// Every type of the client's vocabulary (results, failures, durations, the logger).
export type * from './em-types.js';
