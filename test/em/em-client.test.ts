/**
 * Client behaviour against a scripted fetch (no I/O): wire format, retry of 26, budget,
 * per-device ordering, transport failures and logging. The same behaviours are exercised over real
 * HTTP against the emulator in em-client.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createEmClient, type EmClientOptions, type EmLogger } from '../../src/em/index.js';

const PASSWORD = 'pa&ss<w0rd>';

interface Call {
  url: string;
  init: RequestInit;
  xml: string;
}

type Responder = (call: Call) => Promise<Response> | Response;

function scriptedFetch(responder: Responder): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = String(init?.body ?? '');
    const xml = new URLSearchParams(body).get('xml') ?? '';
    const call = { url: String(input), init: init ?? {}, xml };
    calls.push(call);
    return responder(call);
  };
  return { fetch: fake as typeof fetch, calls };
}

const xmlReply = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/xml; charset=UTF-8' } });
const success = () => xmlReply('<?xml version="1.0"?><response><success/></response>');
const failure = (code: number) =>
  xmlReply(
    `<?xml version="1.0"?><response><failure><error code="${code}">text ${code}</error></failure></response>`,
  );

function recordingLogger(): EmLogger & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function client(fetchImpl: typeof fetch, extra: Partial<EmClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = createEmClient({
    baseUrl: 'https://cucm1.example.com:8443/',
    appUser: 'emapi',
    appPassword: PASSWORD,
    fetch: fetchImpl,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...extra,
  });
  return { c, sleeps };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createEmClient wire format (SPEC 2.1, 2.2)', () => {
  it('POSTs one form field xml to the servlet path', async () => {
    const { fetch, calls } = scriptedFetch(() => success());
    const { c } = client(fetch);
    expect(await c.login('SEP001122334455', `o'brien&co`, { minutes: 30 })).toEqual({
      ok: true,
      value: undefined,
    });
    const [call] = calls;
    expect(call?.url).toBe('https://cucm1.example.com:8443/emservice/EMServiceServlet');
    expect(call?.init.method).toBe('POST');
    expect(new Headers(call?.init.headers).get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(call?.xml).toContain(`<userID>o'brien&amp;co</userID>`);
    expect(call?.xml).toContain('<exclusiveDuration><time>30</time></exclusiveDuration>');
    expect(c.stats()).toEqual({ inFlight: 0, busyResponses: 0, calls: 1 });
  });

  it('refuses a base URL with credentials in it', () => {
    expect(() => createEmClient({ baseUrl: 'https://u:p@x', appUser: 'a', appPassword: 'b' })).toThrow(
      TypeError,
    );
  });

  it('rejects invalid input locally with code 1 and sends nothing', async () => {
    const { fetch, calls } = scriptedFetch(() => success());
    const { c } = client(fetch);
    for (const minutes of [0, -5, 1.5, Number.NaN]) {
      expect(await c.login('SEP1', 'bob', { minutes })).toMatchObject({ ok: false, kind: 'em', code: 1 });
    }
    expect(await c.login('SEP1', 'bo\u0000b', { indefinite: true })).toMatchObject({ kind: 'em', code: 1 });
    expect(await c.deviceUserQuery(['SEP\u0001'])).toMatchObject({ kind: 'em', code: 1, retry: 'permanent' });
    expect(calls).toHaveLength(0);
  });
});

describe('EM outcomes', () => {
  it.each([
    [18, 'conflict'],
    [19, 'conflict'],
    [25, 'conflict'],
    [6, 'transient'],
    [11, 'permanent'],
    [23, 'permanent'],
  ])('maps code %i to retry class %s', async (code, retry) => {
    const { fetch } = scriptedFetch(() => failure(code));
    const { c } = client(fetch);
    expect(await c.login('SEP1', 'bob', { indefinite: true })).toMatchObject({
      ok: false,
      kind: 'em',
      code,
      retry,
      detail: `text ${code}`,
    });
  });

  it('answers logoutAll and deviceProfileQuery on 4.1 with code -1 without a call', async () => {
    const { fetch, calls } = scriptedFetch(() => success());
    const { c } = client(fetch);
    const unsupported = {
      ok: false,
      kind: 'em',
      code: -1,
      meaning: 'not available on this cluster profile',
      retry: 'permanent',
    };
    expect(await c.logoutAll()).toMatchObject(unsupported);
    expect(await c.deviceProfileQuery(['carol'])).toMatchObject(unsupported);
    expect(calls).toHaveLength(0);
  });

  it('sends logoutAll on the modern profile', async () => {
    const { fetch, calls } = scriptedFetch(() => success());
    const { c } = client(fetch, { apiProfile: 'modern' });
    expect(await c.logoutAll()).toEqual({ ok: true, value: undefined });
    expect(calls[0]?.xml).toMatch(/<logoutAll\/><\/request>$/);
  });
});

describe('code 26 (SPEC 10)', () => {
  it('retries with growing, jittered delays until the node accepts', async () => {
    let n = 0;
    const { fetch } = scriptedFetch(() => (++n <= 3 ? failure(26) : success()));
    const { c, sleeps } = client(fetch);
    expect(await c.logout('SEP1')).toEqual({ ok: true, value: undefined });
    expect(sleeps).toEqual([188, 375, 750]);
    expect(c.stats()).toMatchObject({ busyResponses: 3, calls: 4 });
  });

  it('returns 26 with retry backoff once busyRetries are exhausted', async () => {
    const log = recordingLogger();
    const { fetch } = scriptedFetch(() => failure(26));
    const { c, sleeps } = client(fetch, { busyRetries: 2, log });
    expect(await c.login('SEP1', 'bob', { minutes: 5 })).toMatchObject({
      kind: 'em',
      code: 26,
      retry: 'backoff',
    });
    expect(sleeps).toHaveLength(2);
    expect(c.stats().calls).toBe(3);
    expect(log.lines.map((l) => l.level)).toEqual(['warn', 'warn', 'error']);
  });

  it('caps the delay', async () => {
    const { fetch } = scriptedFetch(() => failure(26));
    const { c, sleeps } = client(fetch, { busyRetries: 10, random: () => 1 });
    await c.logout('SEP1');
    expect(Math.max(...sleeps)).toBe(8000);
  });
});

describe('budget and ordering', () => {
  it('keeps at most `concurrency` login/logout calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const { fetch } = scriptedFetch(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((r) => gates.push(r));
      inFlight--;
      return success();
    });
    const { c } = client(fetch, { maxConcurrentRequests: 4 });
    const all = Array.from({ length: 20 }, (_, i) => c.login(`SEP${i}`, `u${i}`, { minutes: 10 }));
    let settled = false;
    const outcomesPromise = Promise.all(all).finally(() => (settled = true));
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      expect(c.stats().inFlight).toBeLessThanOrEqual(3);
      gates.splice(0).forEach((open) => open());
    }
    const outcomes = await outcomesPromise;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(peak).toBe(3);
  });

  it('lowers the effective limit after a 26 and still completes everything', async () => {
    let inFlight = 0;
    const { fetch } = scriptedFetch(async () => {
      // A node with room for two: a third concurrent call is refused at once, not queued (SPEC 10).
      if (inFlight >= 2) return failure(26);
      inFlight++;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return success();
    });
    const { c } = client(fetch, { concurrency: 5 });
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => c.logout(`SEP${i}`)));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    // Without adaptation every round of 5 would produce three 26s (45+ in total).
    expect(c.stats().busyResponses).toBeLessThan(20);
  });

  it('serializes operations on the same device, case-insensitively', async () => {
    const events: string[] = [];
    const gate = deferred();
    const { fetch } = scriptedFetch(async ({ xml }) => {
      const op = xml.includes('<login>') ? 'login' : 'logout';
      events.push(`${op} start`);
      if (op === 'login') await gate.promise;
      events.push(`${op} end`);
      return success();
    });
    const { c } = client(fetch);
    const login = c.login('SEP00AABB', 'bob', { minutes: 5 });
    const logout = c.logout('sep00aabb');
    const other = c.logout('SEP00CCDD');
    await other;
    expect(events).toEqual(['login start', 'logout start', 'logout end']);
    gate.resolve();
    await Promise.all([login, logout]);
    expect(events).toEqual([
      'login start',
      'logout start',
      'logout end',
      'login end',
      'logout start',
      'logout end',
    ]);
  });
});

describe('transport failures', () => {
  it('times out with AbortController', async () => {
    const { fetch } = scriptedFetch(
      ({ init }) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const { c } = client(fetch, { timeoutMs: 5 });
    expect(await c.login('SEP1', 'bob', { minutes: 5 })).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'timeout after 5 ms',
    });
    expect(c.stats().inFlight).toBe(0);
  });

  it('reports non-200 and refused connections as transport', async () => {
    const { fetch } = scriptedFetch(() => xmlReply('<html>Service Unavailable</html>', 503));
    expect(await client(fetch).c.logout('SEP1')).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'HTTP 503',
    });
    const refused = scriptedFetch(() => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    });
    expect(await client(refused.fetch).c.deviceUserQuery(['SEP1'])).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'request failed: ECONNREFUSED',
    });
  });

  it('refuses an oversized reply without reading it all', async () => {
    const { fetch } = scriptedFetch(() =>
      xmlReply(`<response>${' '.repeat(2 * 1024 * 1024)}<success/></response>`),
    );
    expect(await client(fetch).c.logout('SEP1')).toEqual({
      ok: false,
      kind: 'transport',
      reason: 'reply larger than 1048576 bytes',
    });
  });

  it('reports garbage as transport and logs it redacted and truncated', async () => {
    const log = recordingLogger();
    const echo = `<html>${'x'.repeat(1000)}</html>`;
    const { fetch } = scriptedFetch(({ xml }) =>
      xmlReply(`<pre>${xml}${PASSWORD}${encodeURIComponent(PASSWORD)}</pre>${echo}`),
    );
    const { c } = client(fetch, { log });
    const outcome = await c.logout('SEP1');
    expect(outcome).toMatchObject({ ok: false, kind: 'transport' });
    const warn = log.lines.find((l) => l.msg === 'em unexpected reply');
    const body = (warn?.obj as { body: string }).body;
    expect(body.length).toBeLessThanOrEqual(500);
    expect(body).toContain('[redacted]');
    expect(JSON.stringify(log.lines)).not.toContain(PASSWORD);
    expect(JSON.stringify(log.lines)).not.toContain(encodeURIComponent(PASSWORD));
    expect(JSON.stringify(log.lines)).not.toContain('pa&amp;ss');
  });
});

describe('queries', () => {
  it('batches deviceUserQuery by 100 and keeps the order', async () => {
    const { fetch, calls } = scriptedFetch(({ xml }) => {
      const names = [...xml.matchAll(/<deviceName>([^<]*)<\/deviceName>/g)].map((m) => m[1]);
      const devices = names.map((n) => `<device name="${n}"><none/></device>`).join('');
      return xmlReply(`<response><deviceUserResults>${devices}</deviceUserResults></response>`);
    });
    const { c } = client(fetch);
    const names = Array.from({ length: 250 }, (_, i) => `SEP${String(i).padStart(12, '0')}`);
    const outcome = await c.deviceUserQuery(names);
    expect(calls.map((call) => call.xml.match(/<deviceName>/g)?.length)).toEqual([100, 100, 50]);
    expect(outcome.ok && outcome.value.map((d) => d.deviceName)).toEqual(names);
    expect(await c.deviceUserQuery([])).toEqual({ ok: true, value: [] });
  });

  it('fails the whole query when a batch fails', async () => {
    let n = 0;
    const { fetch } = scriptedFetch(() =>
      ++n === 2
        ? xmlReply('<response><failure><errorMessage>DB down</errorMessage></failure></response>')
        : xmlReply(
            '<response><deviceUserResults><device name="A"><none/></device></deviceUserResults></response>',
          ),
    );
    const { c } = client(fetch);
    const outcome = await c.deviceUserQuery(Array.from({ length: 150 }, (_, i) => `D${i}`));
    expect(outcome).toMatchObject({ ok: false, kind: 'em', code: 0, retry: 'transient', detail: 'DB down' });
  });

  it('decodes percent-encoded user IDs in userDevicesQuery', async () => {
    const { fetch } = scriptedFetch(() =>
      xmlReply(
        '<response><userDevicesResults><user id="em%40example.com"><deviceName>SEP1</deviceName></user></userDevicesResults></response>',
      ),
    );
    const { c } = client(fetch);
    expect(await c.userDevicesQuery(['em@example.com'])).toEqual({
      ok: true,
      value: [{ userId: 'em@example.com', state: 'loggedIn', deviceNames: ['SEP1'] }],
    });
  });
});
