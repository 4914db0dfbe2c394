/**
 * Client of the Cisco Extension Mobility API (SPEC.md) for one EM service node.
 *
 * Every method resolves to an EmOutcome and never rejects for EM or transport problems: EM error
 * codes come back as `kind: 'em'` with the SPEC 8 retry class, and everything that is not an EM
 * reply (timeout, non-200, refused connection, garbage body) as `kind: 'transport'`. The scheduler
 * decides what to retry; inside the client only code 26 (Busy) is retried, because it means "not
 * processed, come back later" (SPEC 10) and carries no risk of doing an operation twice. A
 * transport failure on a login or logout is not retried: the server may have committed it, and
 * only a query can tell (SPEC 1.3 item 4).
 */
import { AdaptiveLimiter, KeyedSerializer } from './concurrency.js';
import { EM_CODE_BUSY, EM_CODE_UNSUPPORTED, emCodeMeaning, emRetryClass } from './em-codes.js';
import {
  buildDeviceProfileQueryXml,
  buildDeviceUserQueryXml,
  buildLoginXml,
  buildLogoutAllXml,
  buildLogoutXml,
  buildUserDevicesQueryXml,
  encodeForm,
  interpretActionReply,
  interpretDeviceProfileReply,
  interpretDeviceUserReply,
  interpretUserDevicesReply,
  type EmCredentials,
  type EmReply,
} from './em-protocol.js';
import type {
  DeviceUser,
  EmApiProfile,
  EmFailure,
  EmLogger,
  EmOutcome,
  LoginDuration,
  UserDeviceProfiles,
  UserDevices,
} from './em-types.js';
import { XmlInputError } from './em-xml.js';

export interface EmClientOptions {
  /** e.g. https://cucm1.example.com:8443; the client appends /emservice/EMServiceServlet (SPEC 2.1). */
  baseUrl: string;
  appUser: string;
  appPassword: string;
  /** Default '4.1': logoutAll and deviceProfileQuery then answer EM_CODE_UNSUPPORTED locally. */
  apiProfile?: EmApiProfile;
  /** Per HTTP call, including reading the body. Default 10000. */
  timeoutMs?: number;
  /** Max login/logout/logoutAll calls in flight. Default maxConcurrentRequests - 1 (SPEC 10). */
  concurrency?: number;
  /** The node's Maximum Concurrent Requests service parameter. Default 5 (SPEC 9, 12.x+). */
  maxConcurrentRequests?: number;
  /** How often code 26 is retried before it is returned. Default 8. */
  busyRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log?: EmLogger;
  fetch?: typeof fetch;
}

export interface EmClient {
  login(deviceName: string, userId: string, opts: LoginDuration): Promise<EmOutcome>;
  logout(deviceName: string): Promise<EmOutcome>;
  /** Batched internally (DEVICE_QUERY_BATCH names per query); results in server order. */
  deviceUserQuery(deviceNames: string[]): Promise<EmOutcome<DeviceUser[]>>;
  userDevicesQuery(userIds: string[]): Promise<EmOutcome<UserDevices[]>>;
  /** Modern only; on '4.1' resolves to code EM_CODE_UNSUPPORTED (-1), retry 'permanent'. */
  logoutAll(): Promise<EmOutcome>;
  /** Modern only (same unsupported answer on '4.1'); accepts shapes A and B of SPEC 4.4. */
  deviceProfileQuery(userIds: string[]): Promise<EmOutcome<UserDeviceProfiles[]>>;
  stats(): { inFlight: number; busyResponses: number; calls: number };
}

export const EM_SERVLET_PATH = '/emservice/EMServiceServlet';
/** Names per query. No limit is documented; 100 keeps each reply small and fast (SPEC 2.4). */
export const DEVICE_QUERY_BATCH = 100;
/** Queries are not throttled by the server (SPEC 5.4) but still cost it; keep a few at a time. */
const QUERY_CONCURRENCY = 2;
const MAX_BODY_BYTES = 1024 * 1024;
const BODY_LOG_CHARS = 500;
const BUSY_BASE_DELAY_MS = 250;
const BUSY_MAX_DELAY_MS = 8000;

const noopLogger: EmLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type PostResult = { ok: true; body: string } | { ok: false; reason: string };

class BodyTooLarge extends Error {}

async function readCapped(res: Response): Promise<string> {
  if (res.body === null) return '';
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let text = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

function describeFetchError(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

function localFailure(code: number, detail: string): EmFailure {
  return { ok: false, kind: 'em', code, meaning: emCodeMeaning(code), retry: emRetryClass(code), detail };
}

export function createEmClient(opts: EmClientOptions): EmClient {
  const url = new URL(opts.baseUrl);
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('baseUrl must not carry credentials; use appUser/appPassword');
  }
  const endpoint = `${url.origin}${url.pathname.replace(/\/+$/, '')}${EM_SERVLET_PATH}`;
  const apiProfile: EmApiProfile = opts.apiProfile ?? '4.1';
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxConcurrentRequests = opts.maxConcurrentRequests ?? 5;
  const concurrency = opts.concurrency ?? Math.max(1, maxConcurrentRequests - 1);
  const busyRetries = opts.busyRetries ?? 8;
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const fetchImpl = opts.fetch ?? fetch;
  const baseLog = opts.log ?? noopLogger;
  const log = baseLog.child ? baseLog.child({ module: 'em', emNode: url.host }) : baseLog;
  const creds: EmCredentials = { appUser: opts.appUser, appPassword: opts.appPassword };

  for (const [name, value] of [
    ['concurrency', concurrency],
    ['maxConcurrentRequests', maxConcurrentRequests],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1`);
  }
  if (!Number.isInteger(busyRetries) || busyRetries < 0) throw new RangeError('busyRetries must be >= 0');
  if (!(timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');

  const actionLimiter = new AdaptiveLimiter(concurrency);
  const queryLimiter = new AdaptiveLimiter(QUERY_CONCURRENCY);
  const perDevice = new KeyedSerializer();
  let busyResponses = 0;
  let calls = 0;

  // Every textual form in which the password could appear in a body we log or return.
  const secrets = opts.appPassword === '' ? [] : [opts.appPassword, encodeURIComponent(opts.appPassword)];
  function redact(text: string): string {
    let out = text.replace(/(<appCertificate>)[\s\S]*?(<\/appCertificate>)/g, '$1[redacted]$2');
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  }

  async function post(xml: string): Promise<PostResult> {
    calls++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(xml),
        signal: controller.signal,
      });
      // SPEC 2.3: every processed request is answered 200; anything else means the service is
      // absent or stopped, never a business error.
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return { ok: false, reason: `HTTP ${res.status}` };
      }
      return { ok: true, body: await readCapped(res) };
    } catch (err) {
      if (controller.signal.aborted) return { ok: false, reason: `timeout after ${timeoutMs} ms` };
      if (err instanceof BodyTooLarge)
        return { ok: false, reason: `reply larger than ${MAX_BODY_BYTES} bytes` };
      return { ok: false, reason: `request failed: ${describeFetchError(err)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  function toOutcome<T>(op: string, reply: EmReply<T>, body: string): EmOutcome<T> {
    if (reply.kind === 'ok') return { ok: true, value: reply.value };
    if (reply.kind === 'em') {
      const failure: EmFailure = {
        ok: false,
        kind: 'em',
        code: reply.code,
        meaning: emCodeMeaning(reply.code),
        retry: emRetryClass(reply.code),
      };
      if (reply.detail !== undefined) failure.detail = redact(reply.detail).slice(0, BODY_LOG_CHARS);
      return failure;
    }
    log.warn(
      { op, reason: reply.reason, body: redact(body).slice(0, BODY_LOG_CHARS) },
      'em unexpected reply',
    );
    return { ok: false, kind: 'transport', reason: `unexpected reply: ${reply.reason}` };
  }

  function transportFailure(op: string, reason: string, fields: object): EmFailure {
    log.warn({ op, reason, ...fields }, 'em transport failure');
    return { ok: false, kind: 'transport', reason };
  }

  /** Equal jitter: never less than half the exponential step, so retries do not bunch at zero. */
  function busyDelay(attempt: number): number {
    const step = Math.min(BUSY_MAX_DELAY_MS, BUSY_BASE_DELAY_MS * 2 ** attempt);
    return Math.round(step / 2 + random() * (step / 2));
  }

  /** login, logout, logoutAll: counted against the budget and retried on 26 (SPEC 10). */
  async function action(op: string, xml: string, fields: object): Promise<EmOutcome> {
    for (let attempt = 0; ; attempt++) {
      const epoch = await actionLimiter.acquire();
      let result: PostResult;
      try {
        result = await post(xml);
      } finally {
        actionLimiter.release();
      }
      // A timed-out call frees its slot although the node may still be working on it; a resulting
      // 26 is absorbed by the adaptive limit below.
      if (!result.ok) return transportFailure(op, result.reason, fields);
      const reply = interpretActionReply(result.body);
      if (reply.kind === 'em' && reply.code === EM_CODE_BUSY) {
        busyResponses++;
        actionLimiter.onBusy(epoch);
        if (attempt >= busyRetries) {
          log.error({ op, ...fields, emCode: reply.code, attempts: attempt + 1 }, 'em busy, giving up');
          return toOutcome(op, reply, result.body);
        }
        const delayMs = busyDelay(attempt);
        log.warn(
          {
            op,
            ...fields,
            emCode: reply.code,
            attempt: attempt + 1,
            delayMs,
            limit: actionLimiter.effectiveLimit,
          },
          'em busy, retrying',
        );
        await sleep(delayMs);
        continue;
      }
      // Any reply but 26 shows the node had room for us.
      if (reply.kind !== 'unexpected') actionLimiter.onSuccess();
      const outcome = toOutcome(op, reply, result.body);
      if (outcome.ok) log.info({ op, ...fields }, 'em operation done');
      else if (outcome.kind === 'em')
        log.debug({ op, ...fields, emCode: outcome.code }, 'em operation refused');
      return outcome;
    }
  }

  // CUCM compares device names case-insensitively (SPEC 12), so the serialization key does too.
  function onDevice<T>(deviceName: string, task: () => Promise<T>): Promise<T> {
    return perDevice.run(deviceName.trim().toLowerCase(), task);
  }

  async function query<T>(
    op: string,
    items: string[],
    build: (creds: EmCredentials, batch: string[]) => string,
    interpret: (body: string) => EmReply<T[]>,
  ): Promise<EmOutcome<T[]>> {
    if (items.length === 0) return { ok: true, value: [] };
    const batches: string[][] = [];
    for (let i = 0; i < items.length; i += DEVICE_QUERY_BATCH)
      batches.push(items.slice(i, i + DEVICE_QUERY_BATCH));
    let xmls: string[];
    try {
      xmls = batches.map((batch) => build(creds, batch));
    } catch (err) {
      if (err instanceof XmlInputError) return localFailure(1, `rejected locally: ${err.message}`);
      throw err;
    }
    const outcomes = await Promise.all(
      xmls.map(async (xml): Promise<EmOutcome<T[]>> => {
        await queryLimiter.acquire();
        let result: PostResult;
        try {
          result = await post(xml);
        } finally {
          queryLimiter.release();
        }
        if (!result.ok) return transportFailure(op, result.reason, { items: items.length });
        return toOutcome(op, interpret(result.body), result.body);
      }),
    );
    const value: T[] = [];
    for (const outcome of outcomes) {
      if (!outcome.ok) return outcome;
      value.push(...outcome.value);
    }
    return { ok: true, value };
  }

  function buildOrFail(build: () => string): { xml: string } | EmFailure {
    try {
      return { xml: build() };
    } catch (err) {
      // Would be code 1 from the server too (not well-formed / bad exclusiveDuration, SPEC 6.1).
      if (err instanceof XmlInputError) return localFailure(1, `rejected locally: ${err.message}`);
      throw err;
    }
  }

  const unsupported = (op: string): EmFailure =>
    localFailure(EM_CODE_UNSUPPORTED, `${op} needs apiProfile 'modern' (CUCM 8.x+)`);

  return {
    login(deviceName, userId, duration) {
      if ('minutes' in duration && !(Number.isSafeInteger(duration.minutes) && duration.minutes > 0)) {
        // `<time>` is a positive whole number of minutes; 0 has an UNCONFIRMED meaning (SPEC 6.1).
        return Promise.resolve(localFailure(1, 'rejected locally: minutes must be a positive integer'));
      }
      const built = buildOrFail(() => buildLoginXml(creds, deviceName, userId, duration));
      if (!('xml' in built)) return Promise.resolve(built);
      return onDevice(deviceName, () => action('login', built.xml, { deviceName, userId }));
    },

    logout(deviceName) {
      const built = buildOrFail(() => buildLogoutXml(creds, deviceName));
      if (!('xml' in built)) return Promise.resolve(built);
      return onDevice(deviceName, () => action('logout', built.xml, { deviceName }));
    },

    logoutAll() {
      if (apiProfile !== 'modern') return Promise.resolve(unsupported('logoutAll'));
      const built = buildOrFail(() => buildLogoutAllXml(creds));
      if (!('xml' in built)) return Promise.resolve(built);
      // Not ordered against per-device work: the node accepts it as a job and logs devices out
      // progressively afterwards (SPEC 5.3), so no client-side ordering could make it atomic.
      return action('logoutAll', built.xml, {});
    },

    deviceUserQuery(deviceNames) {
      return query('deviceUserQuery', deviceNames, buildDeviceUserQueryXml, interpretDeviceUserReply);
    },

    userDevicesQuery(userIds) {
      return query('userDevicesQuery', userIds, buildUserDevicesQueryXml, interpretUserDevicesReply);
    },

    deviceProfileQuery(userIds) {
      if (apiProfile !== 'modern') return Promise.resolve(unsupported('deviceProfileQuery'));
      return query('deviceProfileQuery', userIds, buildDeviceProfileQueryXml, interpretDeviceProfileReply);
    },

    stats() {
      return { inFlight: actionLimiter.inFlight, busyResponses, calls };
    },
  };
}
