/**
 * The emulated EM service: the canonical processing order of SPEC 5 over the cluster state,
 * the Logout Scheduler, throttling (SPEC 10), fault injection, counters and the request log.
 * Transport (HTTP, form decoding) stays in em-routes.ts; this file never sees Fastify.
 */
import { performance } from 'node:perf_hooks';
import { SECOND_MS, toIso, type MovableClock } from './clock.js';
import { EM_CODE, errorText } from './em-codes.js';
import { FaultQueue, faultTargets } from './em-faults.js';
import { answerQuery } from './em-queries.js';
import { effectiveDurationSec, originCode, readEmRequest, requestSubjects } from './em-requests.js';
import type {
  DeviceView,
  EmRequestContext,
  EmulatorCounters,
  FaultOp,
  FaultSpec,
  LogoutRecord,
  NodeCounters,
  NodeMode,
  NodeView,
  RequestLogEntry,
  ServiceLogger,
  StateView,
} from './em-types.js';
import type { EmulatorFixture } from './fixture.js';
import type { FormResult } from './form.js';
import type { AppInfo, EmMessage } from './grammar.js';
import { LogoutScheduler, type DueEvent } from './logout-scheduler.js';
import { applyParams, profileDefaults, type EmulatorParams, type EmulatorProfile } from './params.js';
import { ResponseWriter } from './responses.js';
import { readStateFile, writeStateFile } from './state-file.js';
import { ClusterState, key, type AppUserRecord, type DeviceRecord } from './state.js';

export interface EmServiceOptions {
  profile: EmulatorProfile;
  fixture: EmulatorFixture;
  clock: MovableClock;
  stateFile?: string;
  log: ServiceLogger;
  /** Nodes serving this cluster (CONTROL.md "Several nodes"); default 1. */
  nodes?: number;
}

const REQUEST_LOG_SIZE = 1000;

/** A decided outcome: a failure code, or a success body. */
class Outcome {
  constructor(
    readonly code: number | null,
    readonly body: string,
  ) {}
}

export class EmService {
  profile: EmulatorProfile;
  params: EmulatorParams;
  private fixture: EmulatorFixture;
  private cluster: ClusterState;
  private readonly scheduler: LogoutScheduler;
  /** Cluster-wide counters; only autoLogouts is kept here, the rest per node. */
  private autoLogouts = 0;
  private readonly nodes: { url: string; mode: NodeMode; counters: NodeCounters }[];
  private readonly modeListeners: ((index: number, mode: NodeMode) => void)[] = [];
  private readonly faults = new FaultQueue();
  private requestLog: RequestLogEntry[] = [];
  private recentLogouts: LogoutRecord[] = [];

  constructor(private readonly options: EmServiceOptions) {
    this.profile = options.profile;
    this.nodes = Array.from({ length: Math.max(1, options.nodes ?? 1) }, () => ({
      url: '',
      mode: 'up' as NodeMode,
      counters: zeroNodeCounters(),
    }));
    this.fixture = options.fixture;
    this.params = applyParams(profileDefaults(this.profile), this.fixture.params ?? {}, this.profile);
    this.cluster = new ClusterState(this.fixture);
    this.scheduler = new LogoutScheduler(
      options.clock,
      () => this.params.schedulerTickSec,
      (event) => this.performDue(event),
      () => this.persist(),
    );
    this.restoreFromStateFile();
  }

  get clock(): MovableClock {
    return this.options.clock;
  }

  close(): void {
    this.scheduler.close();
  }

  // ---- EM side -----------------------------------------------------------------------------

  async handle(form: FormResult, context: EmRequestContext): Promise<string> {
    const startedAt = performance.now();
    const entry = { operation: 'unknown', deviceName: null as string | null, userID: null as string | null };
    let outcome: Outcome;
    try {
      outcome = await this.process(form, context, entry);
    } catch (error) {
      // SPEC 2.3: every processed request gets HTTP 200; an internal fault is code 0.
      this.options.log.warn({ err: error }, 'em request failed unexpectedly');
      outcome = new Outcome(
        EM_CODE.UNKNOWN,
        this.writer().requestFailure(EM_CODE.UNKNOWN, errorText(EM_CODE.UNKNOWN)),
      );
    }
    this.nodeOf(context).counters.requestsHandled += 1;
    this.record({
      time: toIso(this.clock.now()) as string,
      ...entry,
      outcome: outcome.code === null ? 'success' : 'failure',
      code: outcome.code,
      latencyMs: Math.round(performance.now() - startedAt),
    });
    this.options.log.debug({ op: entry.operation, emCode: outcome.code }, 'em request');
    return outcome.body;
  }

  private async process(
    form: FormResult,
    context: EmRequestContext,
    entry: { operation: string; deviceName: string | null; userID: string | null },
  ): Promise<Outcome> {
    this.catchUp();
    const writer = this.writer();
    const requestFailure = (code: number, text = errorText(code)) =>
      new Outcome(code, writer.requestFailure(code, text));
    // SPEC 5 steps 1-4.
    const grammar = readEmRequest(form, {
      profile: this.profile,
      strictGrammar: this.params.strictGrammar,
      lenientRoot: this.params.lenientRoot,
      acceptRequestOnlyChildren: this.params.acceptRequestOnlyChildren,
    });
    const fail = (code: number, text = errorText(code)) =>
      grammar.isQuery ? new Outcome(code, writer.queryFailure(code, text)) : requestFailure(code, text);
    if (!grammar.ok) return fail(grammar.code);
    const message = grammar.message;
    entry.operation = message.op;
    Object.assign(entry, requestSubjects(message));

    // SPEC 5 step 5, SPEC 3.
    const auth = this.authenticate(message.app);
    if (typeof auth === 'number') return fail(auth, errorText(auth, message.app.appID));
    const appUser = auth;

    if (grammar.isQuery) {
      await pause(this.params.latencyMs.query);
      this.catchUp();
      const fault = this.faults.take('query', faultTargets(message, this.cluster));
      if (fault !== undefined) return fail(fault);
      return new Outcome(null, answerQuery(message, this.cluster, writer));
    }

    // SPEC 5 step 6 / SPEC 10: refuse at once, never queue. The limit is per node.
    const counters = this.nodeOf(context).counters;
    if (counters.requestsInProgress >= this.params.maxConcurrentRequests) {
      counters.requestsThrottled += 1;
      return fail(EM_CODE.BUSY);
    }
    counters.requestsInProgress += 1;
    try {
      await pause(message.op === 'login' ? this.params.latencyMs.login : this.params.latencyMs.logout);
      this.catchUp();
      const opKind = message.op as FaultOp;
      const fault = this.faults.take(opKind, faultTargets(message, this.cluster));
      if (fault !== undefined) return fail(fault);
      const ipCode = originCode(message, context, this.profile, this.params);
      if (ipCode !== undefined) return fail(ipCode);
      const code = this.perform(message, appUser);
      if (code !== undefined) return fail(code);
      this.persist();
      return new Outcome(null, writer.success());
    } finally {
      counters.requestsInProgress -= 1;
    }
  }

  private writer(): ResponseWriter {
    return new ResponseWriter({
      xmlDeclaration: this.params.xmlDeclarationInResponse,
      encodeUserIds: this.params.encodeUserIdInResponses,
      deviceEntryForm: this.params.deviceEntryForm,
      queryFailureForm: this.params.queryFailureForm,
    });
  }

  private authenticate(app: AppInfo): AppUserRecord | number {
    const secret = app.appCertificate ?? app.appEncryptedCertificate ?? '';
    if (app.appID === '' || secret === '') return EM_CODE.AUTHENTICATION;
    // SPEC 3 [EMU]: appEncryptedCertificate only for a configured internal account; the
    // fixture format has none, so every use is refused.
    if (app.appEncryptedCertificate !== undefined) return EM_CODE.INVALID_AUTHENTICATION;
    const appUser = this.cluster.appUsers.get(key(app.appID));
    if (!appUser || appUser.password !== app.appCertificate) return EM_CODE.INVALID_AUTHENTICATION;
    // SPEC 8 code 27 [EMU]: the flag sits on the authenticating account.
    if (appUser.mustChangePassword) return EM_CODE.CHANGE_PASSWORD;
    return appUser;
  }

  /** SPEC 5.1-5.3 operation-specific checks and commit. Returns a failure code or undefined. */
  private perform(message: EmMessage, appUser: AppUserRecord): number | undefined {
    switch (message.op) {
      case 'login':
        return this.login(message, appUser);
      case 'logout':
        return this.logout(message.deviceName, appUser);
      case 'logoutAll':
        return this.logoutAll(appUser);
      default:
        return EM_CODE.XML_VALIDATION;
    }
  }

  private login(message: Extract<EmMessage, { op: 'login' }>, appUser: AppUserRecord): number | undefined {
    if (!appUser.proxyRights && key(message.userID) !== key(appUser.appID))
      return EM_CODE.PROXY_AUTHENTICATION_NOT_ALLOWED;
    const device = this.cluster.device(message.deviceName);
    if (!device) return EM_CODE.DEVICE_DOES_NOT_EXIST;
    if (!device.emEnabled) return EM_CODE.DEVICE_EM_DISABLED;
    const user = this.cluster.user(message.userID);
    if (!user) return EM_CODE.USER_DOES_NOT_EXIST;
    let profile: string | undefined;
    if (message.deviceProfile !== undefined) {
      profile = this.cluster.profiles.get(key(message.deviceProfile));
      if (profile === undefined) return EM_CODE.DEVICE_PROFILE_DOES_NOT_EXIST;
      const wanted = key(profile);
      if (this.params.requireAssociatedProfile && !user.profiles.some((p) => key(p) === wanted))
        return EM_CODE.DEVICE_PROFILE_DOES_NOT_EXIST;
    } else {
      profile = user.profiles[0];
      if (profile === undefined) return EM_CODE.DEVICE_PROFILE_DOES_NOT_EXIST;
    }
    // SPEC 7.1, 7.3: occupied, also by the same user.
    if (device.currentUser !== null) return EM_CODE.DEVICE_OCCUPIED;
    const elsewhere = this.cluster.devicesOf(user.userID);
    if (elsewhere.length > 0) {
      if (this.params.multipleLoginBehavior === 'NotAllowed') return EM_CODE.USER_LOGGED_IN_ELSEWHERE;
      if (this.params.multipleLoginBehavior === 'AutoLogout') {
        for (const other of elsewhere) this.logoutDevice(other, 'multipleLoginAutoLogout');
      }
    }
    const now = this.clock.now();
    const durationSec = effectiveDurationSec(message.duration, this.params);
    this.cluster.commitLogin(device, user.userID, profile, now, durationSec);
    if (durationSec === null) this.scheduler.disarm(key(device.name));
    else this.scheduler.arm(key(device.name), now + durationSec * SECOND_MS);
    this.options.log.info({ deviceName: device.name, userID: user.userID, durationSec }, 'em login');
    return undefined;
  }

  private logout(deviceName: string, appUser: AppUserRecord): number | undefined {
    const device = this.cluster.device(deviceName);
    if (!device) return EM_CODE.DEVICE_DOES_NOT_EXIST;
    if (!device.emEnabled) return EM_CODE.DEVICE_LOGON_DISABLED;
    if (device.currentUser === null) return EM_CODE.NO_USER_LOGGED_IN;
    if (!appUser.proxyRights && key(device.currentUser) !== key(appUser.appID))
      return EM_CODE.PROXY_AUTHENTICATION_NOT_ALLOWED;
    this.logoutDevice(device, 'api');
    return undefined;
  }

  private logoutAll(appUser: AppUserRecord): number | undefined {
    // [EMU] logoutAll acts for every user, so it needs proxy rights like any other-user action.
    if (!appUser.proxyRights) return EM_CODE.PROXY_AUTHENTICATION_NOT_ALLOWED;
    const targets = [...this.cluster.devices.entries()]
      .filter(([, d]) => d.currentUser !== null && d.loginAt !== null)
      .map(([deviceKey, d]) => ({ deviceKey, loginAt: d.loginAt as number }));
    this.scheduler.enqueueLogoutAll(targets, this.clock.now(), this.params.logoutAllPerSecond);
    this.options.log.info({ devices: targets.length }, 'em logoutAll accepted');
    return undefined;
  }

  /** Every logout path ends here, so the scheduler entry is always disarmed (SPEC 6.3 item 2). */
  private logoutDevice(device: DeviceRecord, reason: string): string | null {
    const departing = this.cluster.commitLogout(device);
    this.scheduler.disarm(key(device.name));
    this.options.log.info({ deviceName: device.name, userID: departing, reason }, 'em logout');
    return departing;
  }

  private performDue(event: DueEvent): void {
    const device = this.cluster.devices.get(event.deviceKey);
    if (!device || device.currentUser === null) return;
    if (event.kind === 'logoutAll' && device.loginAt !== event.loginAt) return;
    const userID = this.logoutDevice(device, event.kind === 'expiry' ? 'automatic' : 'logoutAll');
    if (event.kind === 'expiry') this.autoLogouts += 1;
    this.recentLogouts.push({
      deviceName: device.name,
      userID,
      reason: event.kind,
      dueAt: toIso(event.dueAt) as string,
    });
  }

  /** Carries out whatever fell due since the last look, so answers are exact on any clock. */
  private catchUp(): LogoutRecord[] {
    this.recentLogouts = [];
    this.scheduler.runDue(this.clock.now());
    const done = this.recentLogouts;
    this.recentLogouts = [];
    return done;
  }

  private record(entry: RequestLogEntry): void {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_SIZE) this.requestLog.shift();
  }

  // ---- control plane -----------------------------------------------------------------------

  reset(input: { profile?: EmulatorProfile; fixture?: EmulatorFixture; now?: number }): void {
    const profile = input.profile ?? this.profile;
    const fixture = input.fixture ?? this.fixture;
    // Validate before changing anything, so a bad reset leaves the old state intact.
    const params = applyParams(profileDefaults(profile), fixture.params ?? {}, profile);
    this.profile = profile;
    this.fixture = fixture;
    this.params = params;
    this.cluster = new ClusterState(fixture);
    this.scheduler.clear();
    this.autoLogouts = 0;
    for (const [i, node] of this.nodes.entries()) {
      node.counters = { ...zeroNodeCounters(), requestsInProgress: node.counters.requestsInProgress };
      if (node.mode !== 'up') this.setNodeMode(i + 1, 'up');
    }
    this.faults.clear();
    this.requestLog = [];
    if (input.now !== undefined) this.clock.set(input.now);
    this.persist();
  }

  state(): StateView {
    this.catchUp();
    return {
      now: toIso(this.clock.now()) as string,
      profile: this.profile,
      params: structuredClone(this.params),
      counters: this.clusterCounters(),
      nodes: this.nodeViews(),
      devices: [...this.cluster.devices.entries()].map(([deviceKey, d]) => ({
        name: d.name,
        emEnabled: d.emEnabled,
        currentUser: d.currentUser,
        currentProfile: d.currentProfile,
        loginAt: toIso(d.loginAt),
        autoLogoutAt: toIso(this.scheduler.dueAt(deviceKey)),
        lastUser: d.lastUser,
      })),
    };
  }

  /** Moves the clock and carries out every automatic logout that fell due, in due order. */
  moveClock(move: { advanceMs: number } | { setAt: number }): { now: string; logouts: LogoutRecord[] } {
    if ('advanceMs' in move) this.clock.advance(move.advanceMs);
    else this.clock.set(move.setAt);
    const logouts = this.catchUp();
    return { now: toIso(this.clock.now()) as string, logouts };
  }

  setParams(patch: unknown): EmulatorParams {
    this.params = applyParams(this.params, patch, this.profile);
    this.scheduler.rearmTimer();
    return structuredClone(this.params);
  }

  addFault(fault: FaultSpec): number {
    return this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setDevice(name: string, change: { emEnabled: boolean }): DeviceView | undefined {
    const device = this.cluster.device(name);
    if (!device) return undefined;
    device.emEnabled = change.emEnabled;
    this.persist();
    return this.state().devices.find((d) => key(d.name) === key(name));
  }

  // ---- nodes -------------------------------------------------------------------------------

  get nodeCount(): number {
    return this.nodes.length;
  }

  setNodeUrl(index: number, url: string): void {
    const node = this.nodes[index - 1];
    if (node) node.url = url;
  }

  nodeMode(index: number): NodeMode {
    return this.nodes[index - 1]?.mode ?? 'up';
  }

  /** Undefined for an unknown index. Listeners (the HTTP layer) release held requests. */
  setNodeMode(index: number, mode: NodeMode): NodeView | undefined {
    const node = this.nodes[index - 1];
    if (!node) return undefined;
    node.mode = mode;
    for (const listener of this.modeListeners) listener(index, mode);
    this.options.log.info({ node: index, mode }, 'node mode changed');
    return this.nodeViews()[index - 1];
  }

  onNodeMode(listener: (index: number, mode: NodeMode) => void): void {
    this.modeListeners.push(listener);
  }

  private nodeOf(context: EmRequestContext) {
    return this.nodes[(context.node ?? 1) - 1] ?? this.nodes[0]!;
  }

  private nodeViews(): NodeView[] {
    return this.nodes.map((n, i) => ({
      index: i + 1,
      url: n.url,
      mode: n.mode,
      counters: { ...n.counters },
    }));
  }

  private clusterCounters(): EmulatorCounters {
    const sum = (k: keyof NodeCounters) => this.nodes.reduce((a, n) => a + n.counters[k], 0);
    return {
      requestsInProgress: sum('requestsInProgress'),
      requestsThrottled: sum('requestsThrottled'),
      requestsHandled: sum('requestsHandled'),
      autoLogouts: this.autoLogouts,
    };
  }

  requestLogTail(limit: number): RequestLogEntry[] {
    return this.requestLog.slice(-limit);
  }

  // ---- durability --------------------------------------------------------------------------

  private persist(): void {
    if (!this.options.stateFile) return;
    writeStateFile(this.options.stateFile, {
      version: 1,
      savedAt: toIso(this.clock.now()) as string,
      devices: [...this.cluster.devices.values()].map((d) => ({ ...d })),
      schedule: this.scheduler.snapshot(),
    });
  }

  /** SPEC 6.3 item 5: rebuild devices and schedule; overdue logouts fire at once. */
  private restoreFromStateFile(): void {
    if (!this.options.stateFile) return;
    const saved = readStateFile(this.options.stateFile);
    if (saved) {
      for (const record of saved.devices) {
        const device = this.cluster.device(record.name);
        if (!device) continue;
        device.emEnabled = record.emEnabled;
        device.currentUser = record.currentUser;
        device.currentProfile = record.currentProfile;
        device.loginAt = record.loginAt;
        device.loginDurationSec = record.loginDurationSec;
        device.lastUser = record.lastUser;
      }
      const loggedIn = (deviceKey: string) => this.cluster.devices.get(deviceKey)?.currentUser != null;
      this.scheduler.restore({
        expiries: saved.schedule.expiries.filter((e) => loggedIn(e.deviceKey)),
        logoutAll: saved.schedule.logoutAll.filter((e) => loggedIn(e.deviceKey)),
      });
    }
    this.catchUp();
    this.persist();
  }
}

function zeroNodeCounters(): NodeCounters {
  return { requestsInProgress: 0, requestsThrottled: 0, requestsHandled: 0 };
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
