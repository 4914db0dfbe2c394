// CONTROL.md "Several nodes of one cluster" and the control-plane token (issue 14), over HTTP.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator, type StateView } from '../../src/emulator/index.js';
import {
  deviceUserQueryXml,
  FIXTURE_S_PATH,
  fixtureS,
  loginXml,
  outcome,
  SERVLET,
  T0,
} from './emulator-harness.js';

const D1 = 'SEP001122334455';
const D2 = 'SEP001122334466';
const D3 = 'SEP001122334477';
const TOKEN = 'test-control-token-0123456789';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const post = (base: string, xml: string, signal?: AbortSignal) =>
  fetch(`${base}${SERVLET}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `xml=${encodeURIComponent(xml)}`,
    ...(signal ? { signal } : {}),
  });

async function control(base: string, method: string, path: string, body?: unknown, headers = {}) {
  const response = await fetch(`${base}/__sim${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: (text === '' ? undefined : JSON.parse(text)) as unknown };
}

describe('several nodes over one cluster', () => {
  let em: RunningEmulator;
  let n1: string;
  let n2: string;
  const state = async (base = n1) => (await control(base, 'GET', '/state')).json as StateView;

  beforeAll(async () => {
    em = await startEmulator({ port: 0, nodes: 2, fixture: fixtureS(), clock: 'manual', startAt: T0 });
    [n1, n2] = em.nodes.map((n) => n.url) as [string, string];
  });
  afterAll(() => em.close());
  beforeEach(async () => {
    expect((await control(n2, 'POST', '/reset', { fixture: fixtureS(), now: T0 })).status).toBe(200);
  });

  it('shares logins between nodes and lists every node in the state', async () => {
    expect(em.nodes).toHaveLength(2);
    expect(n1).not.toBe(n2);
    expect(outcome(await (await post(n1, loginXml(D1, 'bob'))).text())).toBe('success');
    const seenOn2 = await (await post(n2, deviceUserQueryXml(D1))).text();
    expect(seenOn2).toContain('bob');
    const s = await state(n2);
    expect(s.nodes.map((n) => [n.index, n.url, n.mode])).toEqual([
      [1, n1, 'up'],
      [2, n2, 'up'],
    ]);
    expect(s.nodes[0]!.counters.requestsHandled).toBe(1);
    expect(s.nodes[1]!.counters.requestsHandled).toBe(1);
    expect(s.counters.requestsHandled).toBe(2);
  });

  it('counts Maximum Concurrent Requests per node: 26 on a full node while the other accepts', async () => {
    await control(n1, 'PUT', '/params', {
      maxConcurrentRequests: 1,
      latencyMs: { login: 150, logout: 0, query: 0 },
    });
    const first = post(n1, loginXml(D1, 'bob'));
    const onOther = post(n2, loginXml(D2, 'carol'));
    for (;;) {
      if ((await state()).counters.requestsInProgress === 2) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(outcome(await (await post(n1, loginXml(D3, 'alice'))).text())).toBe(26);
    expect(outcome(await (await first).text())).toBe('success');
    expect(outcome(await (await onOther).text())).toBe('success');
    const s = await state();
    expect(s.nodes.map((n) => n.counters)).toEqual([
      { requestsInProgress: 0, requestsThrottled: 1, requestsHandled: 2 },
      { requestsInProgress: 0, requestsThrottled: 0, requestsHandled: 1 },
    ]);
    expect(s.counters).toEqual({
      requestsInProgress: 0,
      requestsThrottled: 1,
      requestsHandled: 3,
      autoLogouts: 0,
    });
  });

  it('unavailable: HTTP 503 with an HTML body on that node only; the control plane still answers', async () => {
    expect((await control(n2, 'PUT', '/nodes/1', { mode: 'unavailable' })).json).toMatchObject({
      index: 1,
      mode: 'unavailable',
    });
    const refused = await post(n1, loginXml(D1, 'bob'));
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/text\/html/);
    expect(await refused.text()).toContain('503');
    expect((await state(n1)).devices.find((d) => d.name === D1)?.currentUser).toBeNull();
    expect(outcome(await (await post(n2, loginXml(D1, 'bob'))).text())).toBe('success');
    await control(n1, 'PUT', '/nodes/1', { mode: 'up' });
    expect((await post(n1, deviceUserQueryXml(D1))).status).toBe(200);
  });

  it('hang: holds the request without an answer and closes it when the node comes back', async () => {
    await control(n1, 'PUT', '/nodes/1', { mode: 'hang' });
    let settled = false;
    const held = post(n1, loginXml(D1, 'bob')).then(
      (r) => ({ answered: r.status }),
      (e: unknown) => ({ error: String(e) }),
    );
    void held.then(() => (settled = true));
    // The control plane of the hung node still answers, and nothing was processed.
    expect((await state(n1)).nodes[0]!.mode).toBe('hang');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(settled).toBe(false);
    expect((await state()).devices.find((d) => d.name === D1)?.currentUser).toBeNull();
    await control(n2, 'PUT', '/nodes/1', { mode: 'up' });
    expect(await held).toHaveProperty('error');
    expect(outcome(await (await post(n1, loginXml(D1, 'bob'))).text())).toBe('success');
  });

  it('reset puts every node back up; an unknown index is 404 and a bad mode 400', async () => {
    await control(n1, 'PUT', '/nodes/2', { mode: 'unavailable' });
    expect((await control(n1, 'PUT', '/nodes/3', { mode: 'up' })).status).toBe(404);
    expect((await control(n1, 'PUT', '/nodes/1', { mode: 'sleepy' })).status).toBe(400);
    await control(n1, 'POST', '/reset', {});
    expect((await state()).nodes.map((n) => n.mode)).toEqual(['up', 'up']);
  });
});

describe('control-plane token and cross-site requests', () => {
  it('refuses a non-loopback host without a token', async () => {
    await expect(startEmulator({ host: '0.0.0.0', port: 0, fixture: fixtureS() })).rejects.toThrow(
      /ROOST_EM_SIM_CONTROL_TOKEN/,
    );
  });

  it('with a token, the control plane needs it as a Bearer token and the EM path does not', async () => {
    const em = await startEmulator({ host: '127.0.0.1', port: 0, fixture: fixtureS(), controlToken: TOKEN });
    try {
      const none = await control(em.url, 'GET', '/state');
      expect(none.status).toBe(401);
      expect(JSON.stringify(none.json)).toMatch(/Bearer/);
      expect(
        (await control(em.url, 'GET', '/state', undefined, { authorization: 'Bearer wrong' })).status,
      ).toBe(401);
      const reset = await control(em.url, 'POST', '/reset', {}, { authorization: `Bearer ${TOKEN}` });
      expect(reset.status).toBe(200);
      expect((await post(em.url, deviceUserQueryXml(D1))).status).toBe(200);
    } finally {
      await em.close();
    }
  });

  it('refuses control requests from another origin, even on loopback without a token', async () => {
    const em = await startEmulator({ port: 0, fixture: fixtureS() });
    try {
      const foreign = await control(em.url, 'POST', '/reset', {}, { origin: 'http://evil.example' });
      expect(foreign.status).toBe(403);
      expect(
        (await control(em.url, 'GET', '/state', undefined, { 'sec-fetch-site': 'cross-site' })).status,
      ).toBe(403);
      expect((await control(em.url, 'GET', '/state', undefined, { origin: em.url })).status).toBe(200);
    } finally {
      await em.close();
    }
  });
});

describe('CLI: --nodes and the control token', () => {
  function runCli(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/cli.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ROOST_EM_SIM_CONTROL_TOKEN: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = once(child, 'exit').then(([code]) => code as number | null);
    return { child, exited, stdout: () => stdout, stderr: () => stderr };
  }

  it('exits 2 with a clear message for a non-loopback host without a token', async () => {
    const run = runCli(['--host', '0.0.0.0', '--port', '0', '--fixture', FIXTURE_S_PATH]);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/control token/);
    expect(run.stdout()).toBe('');
  });

  it('prints one line per node and takes the token from the environment', async () => {
    const run = runCli(['--nodes', '2', '--port', '0', '--fixture', FIXTURE_S_PATH], {
      ROOST_EM_SIM_CONTROL_TOKEN: TOKEN,
    });
    const lines = await new Promise<string[]>((resolve, reject) => {
      run.child.stdout.on('data', () => {
        const got = run.stdout().split('\n').filter(Boolean);
        if (got.length === 2) resolve(got);
      });
      void run.exited.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
    });
    const urls = lines.map((l) => /^EM emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(l)?.[1]);
    expect(urls.every(Boolean)).toBe(true);
    expect((await control(urls[1]!, 'GET', '/state')).status).toBe(401);
    const s = await control(urls[1]!, 'GET', '/state', undefined, { authorization: `Bearer ${TOKEN}` });
    expect((s.json as StateView).nodes).toHaveLength(2);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
