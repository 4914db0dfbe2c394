import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appInfo,
  deviceUserQueryXml,
  failure,
  Harness,
  loginXml,
  outcome,
  SERVLET,
  SUCCESS,
} from './emulator-harness.js';

const D1 = 'SEP001122334455';
const CODE_1 = failure(1, 'XML Validation Error');

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());
beforeEach(() => h.reset());

describe('SPEC 2.2 safe XML', () => {
  it('accepts a DOCTYPE naming only an external DTD, without fetching it', async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE request SYSTEM "http://192.0.2.1:9/LoginRequest.dtd">${loginXml(D1, 'bob')}`;
    expect(await h.send(xml)).toBe(SUCCESS);
    const pub = `<!DOCTYPE query PUBLIC "-//x//y" "http://192.0.2.1:9/q.dtd">${deviceUserQueryXml(D1)}`;
    expect(await h.send(pub)).toContain('<userID>bob</userID>');
  });

  it('refuses an internal subset, any ENTITY declaration and undefined entities with 1, changing nothing', async () => {
    const before = await h.devicesSnapshot();
    const bodies = [
      `<!DOCTYPE request [ ]>${loginXml(D1, 'bob')}`,
      `<!DOCTYPE request [<!ENTITY u "bob">]>${loginXml(D1, '&u;')}`,
      `<!ENTITY u "bob">${loginXml(D1, 'bob')}`,
      loginXml(D1, '&u;'),
      loginXml(D1, '&nbsp;'),
    ];
    for (const body of bodies) expect(await h.send(body)).toBe(CODE_1);
    expect(await h.devicesSnapshot()).toEqual(before);
  });

  it('answers a billion-laughs body with 1 without expanding it', async () => {
    const levels = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i < 10; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const bomb = `<?xml version="1.0"?><!DOCTYPE request [${levels.join('')}]><request>&lol9;</request>`;
    const heapBefore = process.memoryUsage().heapUsed;
    expect(await h.send(bomb)).toBe(CODE_1);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('resolves the five predefined entities and numeric references', async () => {
    const fixture = (await import('./emulator-harness.js')).fixtureS();
    fixture.appUsers.push({ appID: 'amp', password: `a&<>"'\u00e9b`, proxyRights: true });
    await h.reset({ fixture });
    const app = `<appInfo><appID>amp</appID><appCertificate>a&amp;&lt;&gt;&quot;&apos;&#xE9;&#98;</appCertificate></appInfo>`;
    expect(await h.code(`<request>${app}<logout><deviceName>${D1}</deviceName></logout></request>`)).toBe(19);
  });

  it('garbage, truncated or mismatched XML, and a wrong root, are 1', async () => {
    for (const body of [
      'not xml',
      '<request>',
      '<request><appInfo></request>',
      '<response/>',
      '',
      '<a/><b/>',
    ]) {
      expect(await h.send(body)).toBe(CODE_1);
    }
  });

  it('ignores comments, CDATA and whitespace between elements', async () => {
    const xml = `<!-- hi --><request>\n  ${appInfo()}\n  <login><deviceName><![CDATA[${D1}]]></deviceName>\n<userID> bob </userID></login>\n</request>`;
    expect(await h.send(xml)).toBe(SUCCESS);
  });
});

describe('SPEC 2.2 / 2.3 transport', () => {
  it('refuses bodies over 64 KiB with HTTP 200 and code 1', async () => {
    const body = `xml=${encodeURIComponent(`<request>${' '.repeat(70 * 1024)}</request>`)}`;
    expect(await h.sendRaw(body)).toBe(CODE_1);
    expect((await h.state()).counters.requestsHandled).toBe(1);
  });

  it('a missing xml field, or broken percent-encoding, is 1', async () => {
    expect(await h.sendRaw('foo=bar')).toBe(CODE_1);
    expect(await h.sendRaw('xml=%E0%A4%A')).toBe(CODE_1);
    expect(await h.sendRaw('', { 'content-type': 'text/plain' })).toBe(CODE_1);
  });

  it('accepts a raw, unencoded xml= body unless acceptUnencodedForm is off', async () => {
    expect(await h.sendRaw(`xml=${loginXml(D1, 'bob')}`)).toBe(SUCCESS);
    await h.params({ acceptUnencodedForm: false });
    expect(outcome(await h.sendRaw(`xml=${deviceUserQueryXml(D1)}`))).toBe(1);
  });

  it('accepts a body without a content type', async () => {
    const response = await fetch(`${h.url}${SERVLET}`, {
      method: 'POST',
      body: new Blob([`xml=${encodeURIComponent(loginXml(D1, 'bob'))}`]),
    });
    expect(await response.text()).toBe(SUCCESS);
  });

  it('answers GET ?xml= when allowGet, and 405 otherwise', async () => {
    const url = `${h.url}${SERVLET}?xml=${encodeURIComponent(deviceUserQueryXml(D1))}`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<deviceUserResults>');
    await h.params({ allowGet: false });
    expect((await fetch(url)).status).toBe(405);
  });

  it('replies text/xml; charset=UTF-8 with the XML declaration, which a knob can drop', async () => {
    const response = await fetch(`${h.url}${SERVLET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `xml=${encodeURIComponent(loginXml(D1, 'bob'))}`,
    });
    expect(response.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
    expect(await response.text()).toBe(SUCCESS);
    await h.params({ xmlDeclarationInResponse: false });
    expect(await h.send(loginXml(D1, 'bob'))).toBe(
      '<response><failure><error code="18">Login failed: phone currently has user logged in</error></failure></response>',
    );
  });

  it('serves the profile paths case-sensitively and keeps EM and control plane apart', async () => {
    const post = (path: string) =>
      fetch(`${h.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `xml=${encodeURIComponent(deviceUserQueryXml(D1))}`,
      });
    expect((await post('/EMservice/EMServiceServlet')).status).toBe(200);
    expect((await post('/emservice/emserviceservlet')).status).toBe(404);
    expect((await post('/emservice/EMServiceServlet/')).status).toBe(404);
    expect((await post('/__sim/emservice/EMServiceServlet')).status).toBe(404);
    expect((await fetch(`${h.url}${SERVLET}/__sim/state`)).status).toBe(404);
    await h.reset({ profile: 'modern' });
    expect((await post('/EMservice/EMServiceServlet')).status).toBe(404);
    expect((await post(SERVLET)).status).toBe(200);
  });
});
