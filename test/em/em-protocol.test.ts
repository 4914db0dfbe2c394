import { describe, expect, it } from 'vitest';
import {
  buildDeviceProfileQueryXml,
  buildDeviceUserQueryXml,
  buildLoginXml,
  buildLogoutAllXml,
  buildLogoutXml,
  buildUserDevicesQueryXml,
  decodeUserId,
  encodeForm,
  interpretActionReply,
  interpretDeviceProfileReply,
  interpretDeviceUserReply,
  interpretUserDevicesReply,
} from '../../src/em/em-protocol.js';
import { parseXml } from '../../src/em/em-xml.js';

const creds = { appUser: 'hotel-svc', appPassword: 'S3cret&<Pass>' };
const appInfo =
  '<appInfo><appID>hotel-svc</appID><appCertificate>S3cret&amp;&lt;Pass&gt;</appCertificate></appInfo>';

describe('request building (SPEC 4.1, 4.3)', () => {
  it('builds a timed login in grammar order', () => {
    expect(
      buildLoginXml(creds, 'SEP00AB12CD34EF', 'mlopez', { profile: 'UDP-mlopez-8845', minutes: 60 }),
    ).toBe(
      `<request>${appInfo}<login><deviceName>SEP00AB12CD34EF</deviceName><userID>mlopez</userID>` +
        '<deviceProfile>UDP-mlopez-8845</deviceProfile><exclusiveDuration><time>60</time></exclusiveDuration>' +
        '</login></request>',
    );
  });

  it('builds an indefinite login without a profile', () => {
    expect(buildLoginXml(creds, 'SEP1', 'bob', { indefinite: true })).toBe(
      `<request>${appInfo}<login><deviceName>SEP1</deviceName><userID>bob</userID>` +
        '<exclusiveDuration><indefinite/></exclusiveDuration></login></request>',
    );
  });

  it('escapes user IDs', () => {
    const xml = buildLoginXml(creds, 'SEP1', `o'brien&co`, { minutes: 5 });
    expect(xml).toContain(`<userID>o'brien&amp;co</userID>`);
    const parsed = parseXml(xml);
    expect(parsed.ok).toBe(true);
  });

  it('builds logout, logoutAll and the three queries', () => {
    expect(buildLogoutXml(creds, 'SEP1')).toBe(
      `<request>${appInfo}<logout><deviceName>SEP1</deviceName></logout></request>`,
    );
    expect(buildLogoutAllXml(creds)).toBe(`<request>${appInfo}<logoutAll/></request>`);
    expect(buildDeviceUserQueryXml(creds, ['A', 'B'])).toBe(
      `<query>${appInfo}<deviceUserQuery><deviceName>A</deviceName><deviceName>B</deviceName></deviceUserQuery></query>`,
    );
    expect(buildUserDevicesQueryXml(creds, ['em@example.com'])).toBe(
      `<query>${appInfo}<userDevicesQuery><userID>em@example.com</userID></userDevicesQuery></query>`,
    );
    expect(buildDeviceProfileQueryXml(creds, ['carol'])).toBe(
      `<query>${appInfo}<deviceProfileQuery><userID>carol</userID></deviceProfileQuery></query>`,
    );
  });

  it('form-encodes the document as the single field xml (SPEC 2.2)', () => {
    const xml = buildLoginXml(creds, 'SEP1', `o'brien&co+1 x`, { minutes: 5 });
    const body = encodeForm(xml);
    expect(body.startsWith('xml=%3Crequest%3E')).toBe(true);
    // The form separators must not appear unencoded in the value.
    expect(body.slice('xml='.length)).not.toMatch(/[&+= <>]/);
    const params = new URLSearchParams(body);
    expect([...params.keys()]).toEqual(['xml']);
    expect(params.get('xml')).toBe(xml);
  });
});

describe('decodeUserId (SPEC 2.3)', () => {
  it.each([
    ['em%40cisco.com', 'em@cisco.com'],
    ['o%27brien%26co', `o'brien&co`],
    ['plain', 'plain'],
    ['100%', '100%'],
    ['bad%E0%A4%A', 'bad%E0%A4%A'],
    ['%C3%BC', 'ü'],
    ['a+b', 'a+b'],
  ])('%s -> %s', (input, expected) => {
    expect(decodeUserId(input)).toBe(expected);
  });
});

describe('login/logout replies (SPEC 4.2)', () => {
  it('accepts success with or without declaration and whitespace', () => {
    for (const body of [
      '<response><success/></response>',
      '<?xml version="1.0"?><response><success/></response>',
      '<?xml version="1.0"?>\n<response>\n  <success></success>\n</response>\n',
    ]) {
      expect(interpretActionReply(body)).toEqual({ kind: 'ok', value: undefined });
    }
  });

  it('reads the numeric code and keeps the text only as detail', () => {
    expect(
      interpretActionReply(
        '<?xml version="1.0"?><response><failure><error code="18">Login failed: phone currently has user logged in</error></failure></response>',
      ),
    ).toEqual({ kind: 'em', code: 18, detail: 'Login failed: phone currently has user logged in' });
    expect(interpretActionReply('<response><failure><error code=" 26 "/></failure></response>')).toEqual({
      kind: 'em',
      code: 26,
    });
  });

  it('reports a failure without a usable code as code 0', () => {
    expect(interpretActionReply('<response><failure><error>boom</error></failure></response>')).toEqual({
      kind: 'em',
      code: 0,
      detail: 'boom',
    });
    expect(
      interpretActionReply('<response><failure><error code="x">boom</error></failure></response>'),
    ).toMatchObject({
      kind: 'em',
      code: 0,
    });
  });

  it.each([
    ['HTML', '<html><body>Apache Tomcat</body></html>'],
    ['empty', ''],
    ['empty response', '<response/>'],
    ['unknown child', '<response><maybe/></response>'],
    ['two children', '<response><success/><success/></response>'],
    ['failure without error', '<response><failure/></response>'],
    ['entity bomb', '<!DOCTYPE r [<!ENTITY a "aaaa">]><response>&a;</response>'],
  ])('treats %s as unexpected', (_name, body) => {
    expect(interpretActionReply(body).kind).toBe('unexpected');
  });
});

describe('deviceUserQuery replies (SPEC 4.4, 5.4)', () => {
  it('reads the 4.1 single-slot form', () => {
    const body =
      '<response><deviceUserResults><device name="SEP1"><userID>mlopez</userID></device>' +
      '<device name="SEP2"><none/></device><device name="SEPX"><doesNotExist/></device></deviceUserResults></response>';
    expect(interpretDeviceUserReply(body)).toEqual({
      kind: 'ok',
      value: [
        { deviceName: 'SEP1', state: 'loggedIn', userId: 'mlopez' },
        { deviceName: 'SEP2', state: 'free' },
        { deviceName: 'SEPX', state: 'doesNotExist' },
      ],
    });
  });

  it('reads the modern two-slot form with emccDevice and percent-encoded user IDs', () => {
    const body = `<?xml version="1.0"?>
<response>
  <deviceUserResults>
    <device name="SEP00AB12CD34EF"><userID>em%40cisco.com</userID><lastlogin>em</lastlogin><emccDevice>no</emccDevice></device>
    <device name="SEP00AB12CD3500"><none/><lastlogin>o%27brien%26co</lastlogin><emccDevice>no</emccDevice></device>
    <device name="SEP00AB12CD3511"><none/><none/><emccDevice>no</emccDevice></device>
    <device name="SEP00AB12CD3522"><userID>one</userID><none/><emccDevice>no</emccDevice></device>
    <device name="SEPFFFFFFFFFFFF"><doesNotExist/></device>
  </deviceUserResults>
</response>`;
    expect(interpretDeviceUserReply(body)).toEqual({
      kind: 'ok',
      value: [
        { deviceName: 'SEP00AB12CD34EF', state: 'loggedIn', userId: 'em@cisco.com', lastUserId: 'em' },
        { deviceName: 'SEP00AB12CD3500', state: 'free', lastUserId: `o'brien&co` },
        { deviceName: 'SEP00AB12CD3511', state: 'free' },
        { deviceName: 'SEP00AB12CD3522', state: 'loggedIn', userId: 'one' },
        { deviceName: 'SEPFFFFFFFFFFFF', state: 'doesNotExist' },
      ],
    });
  });

  it('reads XML-escaped plain user IDs (4.1) unchanged', () => {
    const body = `<response><deviceUserResults><device name="SEP1"><userID>o'brien&amp;co</userID></device></deviceUserResults></response>`;
    expect(interpretDeviceUserReply(body)).toMatchObject({ kind: 'ok', value: [{ userId: `o'brien&co` }] });
  });

  it.each([
    [
      'errorMessage (4.1/DTD)',
      '<response><failure><errorMessage>Could not authenticate</errorMessage></failure></response>',
      0,
    ],
    [
      'error code (modern)',
      '<?xml version="1.0"?><response><failure><error code="3">Invalid App User</error></failure></response>',
      3,
    ],
  ])('accepts the %s failure form', (_name, body, code) => {
    expect(interpretDeviceUserReply(body)).toMatchObject({ kind: 'em', code });
  });

  it.each([
    [
      'device without name',
      '<response><deviceUserResults><device><none/></device></deviceUserResults></response>',
    ],
    ['empty device', '<response><deviceUserResults><device name="A"/></deviceUserResults></response>'],
    [
      'unknown slot',
      '<response><deviceUserResults><device name="A"><who/></device></deviceUserResults></response>',
    ],
    ['wrong results element', '<response><userDevicesResults/></response>'],
    ['stray element', '<response><deviceUserResults><foo/></deviceUserResults></response>'],
  ])('treats %s as unexpected', (_name, body) => {
    expect(interpretDeviceUserReply(body).kind).toBe('unexpected');
  });
});

describe('userDevicesQuery replies (SPEC 5.5)', () => {
  it('reads logged-in, none and doesNotExist users', () => {
    const body =
      '<response><userDevicesResults><user id="mlopez"><deviceName>SEP1</deviceName><deviceName>SEP2</deviceName></user>' +
      '<user id="em%40example.com"><none/></user><user id="ghost"><doesNotExist/></user></userDevicesResults></response>';
    expect(interpretUserDevicesReply(body)).toEqual({
      kind: 'ok',
      value: [
        { userId: 'mlopez', state: 'loggedIn', deviceNames: ['SEP1', 'SEP2'] },
        { userId: 'em@example.com', state: 'none', deviceNames: [] },
        { userId: 'ghost', state: 'doesNotExist', deviceNames: [] },
      ],
    });
  });

  it('accepts both coded failure forms', () => {
    expect(
      interpretUserDevicesReply('<response><failure><errorMessage>x</errorMessage></failure></response>'),
    ).toMatchObject({ kind: 'em', code: 0 });
    expect(
      interpretUserDevicesReply('<response><failure><error code="2">blank</error></failure></response>'),
    ).toMatchObject({ kind: 'em', code: 2 });
  });

  it('treats a mixed user entry as unexpected', () => {
    const body =
      '<response><userDevicesResults><user id="u"><none/><deviceName>A</deviceName></user></userDevicesResults></response>';
    expect(interpretUserDevicesReply(body).kind).toBe('unexpected');
  });
});

describe('deviceProfileQuery replies (SPEC 4.4, 5.6)', () => {
  it('reads shape A', () => {
    const body = `<response>
  <deviceProfileResults>
    <user id="carol">
      <deviceProfile><deviceProfileName>UDP-carol-8865</deviceProfileName><isDefaultDeviceProfile>t</isDefaultDeviceProfile></deviceProfile>
      <deviceProfile><deviceProfileName>UDP-carol-7841</deviceProfileName><isDefaultDeviceProfile>f</isDefaultDeviceProfile></deviceProfile>
    </user>
    <user id="dave"><none/></user>
    <user id="ghost"><doesNotExist/></user>
  </deviceProfileResults>
</response>`;
    expect(interpretDeviceProfileReply(body)).toEqual({
      kind: 'ok',
      value: [
        {
          userId: 'carol',
          state: 'ok',
          profiles: [
            { name: 'UDP-carol-8865', isDefault: true },
            { name: 'UDP-carol-7841', isDefault: false },
          ],
        },
        { userId: 'dave', state: 'none', profiles: [] },
        { userId: 'ghost', state: 'doesNotExist', profiles: [] },
      ],
    });
  });

  it('reads shape B under root results', () => {
    const body =
      '<results><deviceProfileResults><user id="john"><deviceName>UDP1</deviceName><deviceName>UDP2</deviceName></user></deviceProfileResults></results>';
    expect(interpretDeviceProfileReply(body)).toEqual({
      kind: 'ok',
      value: [
        {
          userId: 'john',
          state: 'ok',
          profiles: [
            { name: 'UDP1', isDefault: false },
            { name: 'UDP2', isDefault: false },
          ],
        },
      ],
    });
  });

  it('accepts all three failure forms', () => {
    expect(
      interpretDeviceProfileReply('<response><failure><errorMessage>no</errorMessage></failure></response>'),
    ).toMatchObject({ kind: 'em', code: 0 });
    expect(
      interpretDeviceProfileReply('<response><failure><error code="3">no</error></failure></response>'),
    ).toMatchObject({ kind: 'em', code: 3 });
    expect(
      interpretDeviceProfileReply(
        '<response><deviceProfileResults><user id="U"><failure><error>TEXT</error></failure></user></deviceProfileResults></response>',
      ),
    ).toEqual({ kind: 'em', code: 0, detail: 'TEXT' });
  });

  it('only query replies may use root results', () => {
    expect(interpretActionReply('<results><success/></results>').kind).toBe('unexpected');
  });
});
