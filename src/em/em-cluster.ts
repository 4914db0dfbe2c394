/**
 * One EM cluster served by several nodes (CONTROL.md "Several nodes"; CUCM runs Extension
 * Mobility on several nodes that share one database, so any node may take any request).
 *
 * - Each node has its own client and so its own login/logout budget (its Maximum Concurrent
 *   Requests minus one, SPEC 10): code 26 counts per node.
 * - Work goes to the node in rotation with the fewest calls in flight (ties in turn).
 * - Circuit breaker: a transport failure (refused, timeout, HTTP 503, garbage) takes the node out of
 *   rotation at once, and the call is tried on the next node in rotation (a login that reached a
 *   node before it failed answers 18 elsewhere, which the scheduler resolves with a query).
 * - A node out of rotation is probed with a cheap query (never a login) when `probe(now)` is called
 *   and its probe is due: first PROBE_FIRST_MS after it failed, then doubling up to PROBE_MAX_MS.
 *   The first answer of any kind from EM (even an error code) puts it back.
 * - With no node in rotation, calls fail at once without touching the network: the scheduler then
 *   waits for a probe to succeed instead of spending attempts.
 */
import { createEmClient, type EmClient, type EmClientOptions } from './em-client.js';
import { KeyedSerializer } from './concurrency.js';
import type { EmFailure, EmLogger, EmOutcome } from './em-types.js';

export const PROBE_FIRST_MS = 2_000;
export const PROBE_MAX_MS = 10_000;
/** The probe asks about a name no phone has; any EM answer shows the service is up. */
const PROBE_DEVICE = 'SEP000000000000';
const PROBE_TIMEOUT_MS = 3_000;

export interface EmClusterOptions extends Omit<EmClientOptions, 'baseUrl'> {
  /** Base URL of every node, at least one (`ROOST_EM_URL` list, EmCluster.serviceUrl list). */
  nodeUrls: string[];
  /** Timeout of the `live` view (pages). Default 1500 ms. */
  liveTimeoutMs?: number;
  /** Injected clock (ms since epoch) for down-since times and probe scheduling. */
  now: () => number;
}

export interface EmNodeHealth {
  /** From 1, in the order of the URL list. */
  index: number;
  url: string;
  up: boolean;
  /** When the node last went down or came back; null while it has been up since start. */
  since: Date | null;
  /** Login/logout/query calls in flight now. */
  inFlight: number;
  /** Code 26 answers seen so far. */
  throttled: number;
  calls: number;
  lastFailure: string | null;
  nextProbeAt: Date | null;
}

export interface EmCluster extends EmClient {
  /** The same nodes and health, short timeouts and no busy retries: for pages. */
  readonly live: EmClient;
  readonly size: number;
  nodes(): EmNodeHealth[];
  /** Nodes in rotation. */
  upCount(): number;
  /** Probes every node out of rotation whose probe is due at `now`; the indexes that came back. */
  probe(now: number): Promise<number[]>;
}

interface Node {
  index: number;
  url: string;
  client: EmClient;
  live: EmClient;
  prober: EmClient;
  up: boolean;
  since: number | null;
  inFlight: number;
  lastFailure: string | null;
  probeEveryMs: number;
  nextProbeAt: number | null;
  probing: boolean;
}

/** Splits an EmCluster.serviceUrl / ROOST_EM_URL value into node URLs. */
export function nodeUrlList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u !== '');
}

export function createEmCluster(opts: EmClusterOptions): EmCluster {
  if (opts.nodeUrls.length === 0) throw new RangeError('an EM cluster needs at least one node URL');
  const { nodeUrls, liveTimeoutMs, now, ...common } = opts;
  const baseLog: EmLogger | undefined = common.log;
  const log = baseLog?.child ? baseLog.child({ module: 'em-cluster' }) : baseLog;
  const nodes: Node[] = nodeUrls.map((url, i) => ({
    index: i + 1,
    url,
    client: createEmClient({ ...common, baseUrl: url }),
    live: createEmClient({ ...common, baseUrl: url, timeoutMs: liveTimeoutMs ?? 1500, busyRetries: 0 }),
    prober: createEmClient({ ...common, baseUrl: url, timeoutMs: PROBE_TIMEOUT_MS, busyRetries: 0 }),
    up: true,
    since: null,
    inFlight: 0,
    lastFailure: null,
    probeEveryMs: PROBE_FIRST_MS,
    nextProbeAt: null,
    probing: false,
  }));
  const perDevice = new KeyedSerializer();

  function markDown(node: Node, reason: string): void {
    node.lastFailure = reason;
    if (!node.up) return;
    const at = now();
    node.up = false;
    node.since = at;
    node.probeEveryMs = PROBE_FIRST_MS;
    node.nextProbeAt = at + PROBE_FIRST_MS;
    log?.warn({ node: node.index, url: node.url, reason }, 'EM node out of rotation');
  }

  function markUp(node: Node): void {
    if (node.up) return;
    const downMs = node.since === null ? 0 : now() - node.since;
    node.up = true;
    node.since = now();
    node.nextProbeAt = null;
    log?.info({ node: node.index, url: node.url, downMs }, 'EM node answers again, back in rotation');
  }

  /** Where the tie-break among equally busy nodes starts; moves on with every call. */
  let turn = 0;

  /**
   * Nodes in rotation, fewest in flight first, minus those already tried. Ties go round the list
   * (not always to node 1), so the pre-queries of every batch do not all land on one node and make
   * it the slowest of a rush.
   */
  function candidates(tried: Set<Node>): Node[] {
    const first = turn++ % nodes.length;
    const place = (n: Node) => (n.index - 1 - first + nodes.length) % nodes.length;
    return nodes
      .filter((n) => n.up && !tried.has(n))
      .sort((a, b) => a.inFlight - b.inFlight || place(a) - place(b));
  }

  function allDown(): EmFailure {
    const detail = nodes.map((n) => `node ${n.index}: ${n.lastFailure ?? 'down'}`).join('; ');
    return { ok: false, kind: 'transport', reason: `no EM node answers (${detail})` };
  }

  /** Runs `call` on the best node; on a transport failure, takes it out and tries the next. */
  async function route<T>(
    view: 'client' | 'live',
    call: (client: EmClient) => Promise<EmOutcome<T>>,
  ): Promise<EmOutcome<T>> {
    const tried = new Set<Node>();
    let last: EmOutcome<T> | undefined;
    for (;;) {
      const node = candidates(tried)[0];
      if (!node) return last ?? allDown();
      tried.add(node);
      node.inFlight++;
      let out: EmOutcome<T>;
      try {
        out = await call(node[view]);
      } finally {
        node.inFlight--;
      }
      if (out.ok || out.kind === 'em') return out;
      markDown(node, out.reason);
      last = out;
    }
  }

  function viewOf(view: 'client' | 'live'): EmClient {
    const device = <T>(deviceName: string, call: (c: EmClient) => Promise<EmOutcome<T>>) =>
      perDevice.run(`${view}:${deviceName.trim().toLowerCase()}`, () => route(view, call));
    return {
      login: (deviceName, userId, duration) =>
        device(deviceName, (c) => c.login(deviceName, userId, duration)),
      logout: (deviceName) => device(deviceName, (c) => c.logout(deviceName)),
      logoutAll: () => route(view, (c) => c.logoutAll()),
      deviceUserQuery: (names) => route(view, (c) => c.deviceUserQuery(names)),
      userDevicesQuery: (ids) => route(view, (c) => c.userDevicesQuery(ids)),
      deviceProfileQuery: (ids) => route(view, (c) => c.deviceProfileQuery(ids)),
      stats() {
        const all = nodes.map((n) => n[view].stats());
        return {
          inFlight: all.reduce((a, s) => a + s.inFlight, 0),
          busyResponses: all.reduce((a, s) => a + s.busyResponses, 0),
          calls: all.reduce((a, s) => a + s.calls, 0),
        };
      },
    };
  }

  async function probeNode(node: Node, at: number): Promise<boolean> {
    node.probing = true;
    try {
      const out = await node.prober.deviceUserQuery([PROBE_DEVICE]);
      if (out.ok || out.kind === 'em') {
        markUp(node);
        return true;
      }
      node.lastFailure = out.reason;
      node.probeEveryMs = Math.min(PROBE_MAX_MS, node.probeEveryMs * 2);
      node.nextProbeAt = at + node.probeEveryMs;
      return false;
    } finally {
      node.probing = false;
    }
  }

  return {
    ...viewOf('client'),
    live: viewOf('live'),
    size: nodes.length,
    nodes: () =>
      nodes.map((n) => {
        const s = n.client.stats();
        return {
          index: n.index,
          url: n.url,
          up: n.up,
          since: n.since === null ? null : new Date(n.since),
          inFlight: n.inFlight,
          throttled: s.busyResponses + n.live.stats().busyResponses,
          calls: s.calls,
          lastFailure: n.lastFailure,
          nextProbeAt: n.nextProbeAt === null ? null : new Date(n.nextProbeAt),
        };
      }),
    upCount: () => nodes.filter((n) => n.up).length,
    async probe(at) {
      const due = nodes.filter((n) => !n.up && !n.probing && n.nextProbeAt !== null && n.nextProbeAt <= at);
      const results = await Promise.all(due.map((n) => probeNode(n, at)));
      return due.filter((_, i) => results[i]).map((n) => n.index);
    },
  };
}
