/** Public surface of Roost's EM emulator (SPEC.md, CONTROL.md). */
export { startEmulator } from './server.js';
export type { EmulatorOptions, RunningEmulator, EmulatorLogger } from './server.js';
export { loadFixtureFile, validateFixture, FixtureRejected } from './fixture.js';
export type { EmulatorFixture } from './fixture.js';
export type { EmulatorProfile, EmulatorParams, MultipleLoginBehavior, LatencyMs } from './params.js';
export type { EmulatorClock } from './clock.js';
export type { EmulatorCounters, RequestLogEntry, StateView, DeviceView, FaultSpec } from './em-types.js';
