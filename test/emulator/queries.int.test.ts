import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appInfo,
  DECL,
  deviceUserQueryXml,
  failure,
  Harness,
  loginXml,
  logoutXml,
  userQueryXml,
} from './emulator-harness.js';

const D1 = 'SEP001122334455';
const D2 = 'SEP001122334466';
const DISABLED = 'SEP0011223344AA';

let h: Harness;

beforeAll(async () => {
  h = await Harness.start('4.1');
});
afterAll(() => h.close());

describe('profile 4.1 query forms (SPEC 4.4, 5.4, 5.5)', () => {
  beforeEach(() => h.reset({ profile: '4.1' }));

  it('deviceUserQuery: one single-slot entry per requested name, in request order', async () => {
    await h.send(loginXml(D1, 'bob'));
    await h.send(loginXml(D2, 'carol'));
    await h.send(logoutXml(D2));
    const body = await h.send(deviceUserQueryXml('sep001122334455', D2, DISABLED, 'SEPFFFFFFFFFFFF'));
    expect(body).toBe(
      `${DECL}<response><deviceUserResults>` +
        '<device name="sep001122334455"><userID>bob</userID></device>' +
        `<device name="${D2}"><none/></device>` +
        `<device name="${DISABLED}"><none/></device>` +
        '<device name="SEPFFFFFFFFFFFF"><doesNotExist/></device>' +
        '</deviceUserResults></response>',
    );
  });

  it('userDevicesQuery: devices, none, doesNotExist; user IDs in plain text', async () => {
    await h.send(loginXml(D1, 'em@example.com'));
    const body = await h.send(userQueryXml('userDevicesQuery', 'em@example.com', 'bob', 'zed'));
    expect(body).toBe(
      `${DECL}<response><userDevicesResults>` +
        `<user id="em@example.com"><deviceName>${D1}</deviceName></user>` +
        '<user id="bob"><none/></user>' +
        '<user id="zed"><doesNotExist/></user>' +
        '</userDevicesResults></response>',
    );
  });

  it('lists every device of a user with Multiple Logins Allowed', async () => {
    await h.params({ multipleLoginBehavior: 'Allowed' });
    await h.send(loginXml(D2, 'bob'));
    await h.send(loginXml(D1, 'bob'));
    expect(await h.send(userQueryXml('userDevicesQuery', 'bob'))).toBe(
      `${DECL}<response><userDevicesResults><user id="bob"><deviceName>${D1}</deviceName>` +
        `<deviceName>${D2}</deviceName></user></userDevicesResults></response>`,
    );
  });

  it('query failures use the errorMessage form without a code', async () => {
    const badAuth = deviceUserQueryXml(D1).replace('emapi-pass', 'wrong');
    expect(await h.send(badAuth)).toBe(
      `${DECL}<response><failure><errorMessage>Could not authenticate 'emapi'</errorMessage></failure></response>`,
    );
  });

  it('an unknown query element is 8; deviceProfileQuery and checkUser are unknown in 4.1', async () => {
    for (const element of ['fooQuery', 'deviceProfileQuery', 'checkUser']) {
      const body = await h.send(userQueryXml(element, 'carol'));
      expect(body).toBe(
        `${DECL}<response><failure><errorMessage>Query Type Unknown</errorMessage></failure></response>`,
      );
    }
    const log = (await h.control('GET', '/log?limit=3')).json as { code: number }[];
    expect(log.map((e) => e.code)).toEqual([8, 8, 8]);
  });

  it('a query without appInfo, or with two query elements, is 1', async () => {
    await h.send(`<query><deviceUserQuery><deviceName>${D1}</deviceName></deviceUserQuery></query>`);
    await h.send(
      `<query>${appInfo()}<deviceUserQuery><deviceName>${D1}</deviceName></deviceUserQuery>` +
        '<userDevicesQuery><userID>bob</userID></userDevicesQuery></query>',
    );
    const log = (await h.control('GET', '/log?limit=2')).json as { code: number }[];
    expect(log.map((e) => e.code)).toEqual([1, 1]);
  });
});

describe('profile modern query forms (SPEC 4.4, 5.4-5.7, 2.3)', () => {
  beforeEach(() => h.reset({ profile: 'modern' }));

  it('deviceUserQuery answers the SPEC 5.4 table (current + last slot + emccDevice)', async () => {
    await h.send(loginXml(D1, 'em@example.com'));
    await h.send(logoutXml(D1));
    await h.send(loginXml(D1, 'bob'));
    await h.send(loginXml(D2, 'carol'));
    const body = await h.send(deviceUserQueryXml(D1, D2, 'SEP001122334477', 'SEPFFFFFFFFFFFF'));
    expect(body).toBe(
      `${DECL}<response><deviceUserResults>` +
        `<device name="${D1}"><userID>bob</userID><lastlogin>em@example.com</lastlogin><emccDevice>no</emccDevice></device>` +
        `<device name="${D2}"><userID>carol</userID><none/><emccDevice>no</emccDevice></device>` +
        '<device name="SEP001122334477"><none/><none/><emccDevice>no</emccDevice></device>' +
        '<device name="SEPFFFFFFFFFFFF"><doesNotExist/></device>' +
        '</deviceUserResults></response>',
    );
    await h.send(logoutXml(D2));
    expect(await h.send(deviceUserQueryXml(D2))).toBe(
      `${DECL}<response><deviceUserResults><device name="${D2}"><none/><lastlogin>carol</lastlogin>` +
        '<emccDevice>no</emccDevice></device></deviceUserResults></response>',
    );
  });

  it('percent-encodes user IDs in userID text and user id attributes', async () => {
    await h.send(loginXml(D1, 'em@example.com'));
    expect(await h.send(deviceUserQueryXml(D1))).toContain('<userID>em%40example.com</userID>');
    expect(await h.send(userQueryXml('userDevicesQuery', 'em@example.com'))).toBe(
      `${DECL}<response><userDevicesResults><user id="em%40example.com"><deviceName>${D1}</deviceName>` +
        '</user></userDevicesResults></response>',
    );
  });

  it('deviceProfileQuery (and its alias) lists profiles with the default flagged (shape A)', async () => {
    const expected =
      `${DECL}<response><deviceProfileResults><user id="carol">` +
      '<deviceProfile><deviceProfileName>UDP_carol_8865</deviceProfileName><isDefaultDeviceProfile>t</isDefaultDeviceProfile></deviceProfile>' +
      '<deviceProfile><deviceProfileName>UDP_carol_7841</deviceProfileName><isDefaultDeviceProfile>f</isDefaultDeviceProfile></deviceProfile>' +
      '</user><user id="dave"><none/></user><user id="zed"><doesNotExist/></user></deviceProfileResults></response>';
    expect(await h.send(userQueryXml('deviceProfileQuery', 'carol', 'dave', 'zed'))).toBe(expected);
    expect(await h.send(userQueryXml('userDeviceProfileQuery', 'carol', 'dave', 'zed'))).toBe(expected);
  });

  it('checkUser answers exists or doesNotExist', async () => {
    expect(await h.send(userQueryXml('checkUser', 'BOB', 'zed'))).toBe(
      `${DECL}<response><checkUserResults><user id="BOB"><exists>bob</exists></user>` +
        '<user id="zed"><doesNotExist/></user></checkUserResults></response>',
    );
  });

  it('query failures carry the error code', async () => {
    expect(await h.send(deviceUserQueryXml(D1).replace('emapi-pass', 'wrong'))).toBe(
      failure(3, "Could not authenticate 'emapi'"),
    );
    expect(await h.send(userQueryXml('fooQuery', 'bob'))).toBe(failure(8, 'Query Type Unknown'));
  });

  it('queries accept remoteIPAddr in modern', async () => {
    const xml = `<query>${appInfo()}<deviceUserQuery><deviceName>${D1}</deviceName><remoteIPAddr>10.0.0.1</remoteIPAddr></deviceUserQuery></query>`;
    expect(await h.send(xml)).toContain('<deviceUserResults>');
  });
});
