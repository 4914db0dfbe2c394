import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appInfo, Harness } from './emulator-harness.js';

const D1 = 'SEP001122334455';

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const login = (inner: string, app = appInfo()) => `<request>${app}<login>${inner}</login></request>`;
const base = `<deviceName>${D1}</deviceName><userID>bob</userID>`;

describe('SPEC 4.1 request grammar (strictGrammar on, the default)', () => {
  it('refuses unknown, repeated, out-of-order or missing children with 1 and changes nothing', async () => {
    const before = await h.devicesSnapshot();
    const bodies = [
      login(`${base}<contact>x</contact>`),
      login(`${base}<nonExclusiveDuration><time>5</time></nonExclusiveDuration>`),
      login(`<userID>bob</userID><deviceName>${D1}</deviceName>`),
      login(`${base}<userID>bob</userID>`),
      login(`<deviceName>${D1}</deviceName>`),
      login(
        `${base}<exclusiveDuration><time>5</time></exclusiveDuration><deviceProfile>UDP_bob</deviceProfile>`,
      ),
      login(`${base}stray text`),
      login(`<deviceName><b>${D1}</b></deviceName><userID>bob</userID>`),
      `<request><login>${base}</login>${appInfo()}</request>`,
      `<request>${appInfo()}</request>`,
      `<request><login>${base}</login></request>`,
      `<request>${appInfo()}<login>${base}</login><logout><deviceName>${D1}</deviceName></logout></request>`,
      `<request>${appInfo()}<dance/></request>`,
      `<request><appInfo><appID>emapi</appID></appInfo><login>${base}</login></request>`,
    ];
    for (const body of bodies) expect(await h.code(body), body).toBe(1);
    expect(await h.devicesSnapshot()).toEqual(before);
  });

  it('exclusiveDuration must hold exactly one of time (whole minutes) or an empty indefinite', async () => {
    const bad = [
      '<exclusiveDuration/>',
      '<exclusiveDuration><time>5</time><indefinite/></exclusiveDuration>',
      '<exclusiveDuration><time>-5</time></exclusiveDuration>',
      '<exclusiveDuration><time>1.5</time></exclusiveDuration>',
      '<exclusiveDuration><time>ten</time></exclusiveDuration>',
      '<exclusiveDuration><time></time></exclusiveDuration>',
      '<exclusiveDuration><indefinite>now</indefinite></exclusiveDuration>',
    ];
    for (const duration of bad) expect(await h.code(login(`${base}${duration}`)), duration).toBe(1);
    expect(
      await h.code(login(`${base}<exclusiveDuration><indefinite></indefinite></exclusiveDuration>`)),
    ).toBe('success');
  });

  it('4.1 refuses remoteIPAddr, isViaHeaderSet and appEncryptedCertificate (acceptRequestOnlyChildren off)', async () => {
    expect(await h.code(login(`${base}<remoteIPAddr>10.0.0.1</remoteIPAddr>`))).toBe(1);
    const encrypted =
      '<appInfo><appID>emapi</appID><appEncryptedCertificate>x</appEncryptedCertificate></appInfo>';
    expect(await h.code(login(base, encrypted))).toBe(1);
  });

  it('element names are case-sensitive', async () => {
    expect(await h.code(login(`<devicename>${D1}</devicename><userID>bob</userID>`))).toBe(1);
  });
});

describe('strictGrammar off', () => {
  it('ignores unknown children and accepts known ones in any order', async () => {
    await h.params({ strictGrammar: false });
    const body = login(
      `<userID>bob</userID><nonExclusiveDuration>5</nonExclusiveDuration><deviceName>${D1}</deviceName><contact/>`,
    );
    expect(await h.code(body)).toBe('success');
    expect(await h.code(login(`${base}<userID>bob</userID>`))).toBe(1);
  });
});

describe('modern request-only children and IP validation (SPEC 4.1, 5 step 7)', () => {
  beforeEach(() => h.reset({ profile: 'modern' }));

  it('accepts remoteIPAddr and isViaHeaderSet; isViaHeaderSet must be true|false', async () => {
    expect(
      await h.code(
        login(`${base}<remoteIPAddr>10.0.0.1</remoteIPAddr><isViaHeaderSet>false</isViaHeaderSet>`),
      ),
    ).toBe('success');
    expect(await h.code(login(`${base}<isViaHeaderSet>maybe</isViaHeaderSet>`))).toBe(1);
  });

  it('appEncryptedCertificate is refused with 3 (no internal account configured)', async () => {
    const encrypted =
      '<appInfo><appID>emapi</appID><appEncryptedCertificate>x</appEncryptedCertificate></appInfo>';
    expect(await h.code(login(base, encrypted))).toBe(3);
  });

  it('untrusted sources get 28, proxied requests 30 unless allowProxy; nothing changes', async () => {
    await h.params({ validateIp: true, trustedIps: ['10.0.0.9'] });
    const before = await h.devicesSnapshot();
    expect(await h.code(login(base))).toBe(28);
    expect(await h.code(login(`${base}<remoteIPAddr>10.0.0.1</remoteIPAddr>`))).toBe(28);
    expect(
      await h.code(
        login(`${base}<remoteIPAddr>10.0.0.9</remoteIPAddr><isViaHeaderSet>true</isViaHeaderSet>`),
      ),
    ).toBe(30);
    const viaHeader = await h.sendRaw(
      `xml=${encodeURIComponent(login(`${base}<remoteIPAddr>10.0.0.9</remoteIPAddr>`))}`,
      {
        via: '1.1 proxy',
      },
    );
    expect(viaHeader).toContain('code="30"');
    expect(await h.devicesSnapshot()).toEqual(before);
    await h.params({ allowProxy: true });
    expect(
      await h.code(
        login(`${base}<remoteIPAddr>10.0.0.9</remoteIPAddr><isViaHeaderSet>true</isViaHeaderSet>`),
      ),
    ).toBe('success');
  });

  it('the connection address counts when it is trusted', async () => {
    await h.params({ validateIp: true, trustedIps: ['127.0.0.1'] });
    expect(await h.code(login(base))).toBe('success');
  });
});
