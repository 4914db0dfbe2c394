import { describe, expect, it } from 'vitest';
import { RoostError } from '../../src/errors.js';
import { renderMessage } from '../../src/i18n/render-message.js';
import { createUrlGuard, type Resolver } from '../../src/webhooks/url-guard.js';

const dns: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'sneaky.example.com': ['93.184.216.35', '127.0.0.1'],
  'intranet.example.com': ['10.1.2.3'],
  'metadata.google.internal': ['169.254.169.254'],
  'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946'],
  'ula.example.com': ['fd00:ec2::254'],
};
const resolver: Resolver = async (host) => {
  const list = dns[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

async function refusal(guard: ReturnType<typeof createUrlGuard>, url: string): Promise<string> {
  try {
    await guard.check(url);
  } catch (error) {
    expect(error).toBeInstanceOf(RoostError);
    expect((error as RoostError).code).toBe('INVALID_INPUT');
    return (error as RoostError).message;
  }
  throw new Error(`${url} was accepted`);
}

describe('webhook URL guard', () => {
  const guard = createUrlGuard({ allowedHosts: [], resolver });

  it('accepts public addresses, by name and literally', async () => {
    await expect(guard.check('https://hooks.example.com/roost')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('http://93.184.216.34:8080/x')).resolves.toBeInstanceOf(URL);
    await expect(guard.check('https://v6.example.com/')).resolves.toBeInstanceOf(URL);
  });

  it.each([
    ['http://127.0.0.1/hook', /loopback/],
    ['http://127.1.2.3:9000/hook', /loopback/],
    ['http://[::1]/hook', /loopback/],
    ['http://[::ffff:127.0.0.1]/hook', /loopback/],
    ['http://169.254.169.254/latest/meta-data/', /link-local or cloud metadata/],
    ['http://metadata.google.internal/computeMetadata/v1/', /169\.254\.169\.254.*metadata/],
    ['http://10.0.0.8/', /private/],
    ['http://192.168.1.20/', /private/],
    ['http://172.20.0.1/', /private/],
    ['http://100.100.100.200/', /carrier-grade/],
    ['http://0.0.0.0:3000/', /unspecified/],
    ['http://[fe80::1]/', /link-local/],
    ['https://ula.example.com/', /unique local/],
    ['https://intranet.example.com/', /10\.1\.2\.3.*private/],
    // One bad address among good ones is enough: the connection could use any of them.
    ['https://sneaky.example.com/', /127\.0\.0\.1.*loopback/],
  ])('refuses %s', async (url, why) => {
    const message = await refusal(guard, url);
    expect(message).toMatch(why);
    expect(message).toContain('ROOST_WEBHOOK_ALLOWED_HOSTS');
  });

  it('refuses a name that resolves to loopback with the system resolver (localhost)', async () => {
    const system = createUrlGuard({ allowedHosts: [] });
    expect(await refusal(system, 'http://localhost:3000/hook')).toMatch(/loopback/);
  });

  it('refuses other schemes, credentials and names that do not resolve', async () => {
    expect(await refusal(guard, 'ftp://hooks.example.com/')).toMatch(/https:\/\//);
    expect(await refusal(guard, 'file:///etc/passwd')).toMatch(/https:\/\//);
    expect(await refusal(guard, 'https://user:pw@hooks.example.com/')).toMatch(/user name or password/);
    expect(await refusal(guard, 'not a url')).toMatch(/not a URL/);
    expect(await refusal(guard, 'https://nowhere.example.com/')).toMatch(/cannot be resolved/);
  });

  it('lets the allow-list through: host names, single addresses and CIDRs', async () => {
    const allowing = createUrlGuard({
      allowedHosts: ['intranet.example.com', '127.0.0.1', '192.168.0.0/16', '::1'],
      resolver,
    });
    await expect(allowing.check('https://intranet.example.com/')).resolves.toBeInstanceOf(URL);
    await expect(allowing.check('http://127.0.0.1:8080/')).resolves.toBeInstanceOf(URL);
    await expect(allowing.check('http://192.168.7.7/')).resolves.toBeInstanceOf(URL);
    await expect(allowing.check('http://[::1]/')).resolves.toBeInstanceOf(URL);
    // Not in the list: still refused.
    expect(await refusal(allowing, 'http://127.0.0.2/')).toMatch(/loopback/);
    expect(await refusal(allowing, 'http://10.0.0.1/')).toMatch(/private/);
  });

  it('says why in German too, from the same reason', async () => {
    const said = async (url: string) => {
      const error = await guard.check(url).catch((e: unknown) => e as RoostError);
      return renderMessage('de', (error as RoostError).text);
    };
    expect(await said('https://intranet.example.com/')).toBe(
      'intranet.example.com verweist auf 10.1.2.3, eine private Adresse; Webhooks dürfen nur öffentliche Adressen erreichen, es sei denn, der Host steht in ROOST_WEBHOOK_ALLOWED_HOSTS.',
    );
    expect(await said('http://127.0.0.1/hook')).toMatch(/^127\.0\.0\.1 ist eine Loopback-Adresse;/);
    expect(await said('ftp://hooks.example.com/')).toBe(
      'Eine Webhook-URL muss mit https:// (oder http://) beginnen.',
    );
  });

  it('refuses at connect time too: the lookup handed to each request re-checks every address', async () => {
    const lookup = (host: string) =>
      new Promise<{ error: Error | null; address: string }>((resolve) =>
        guard.lookup(host, { family: 0 }, (error, address) => resolve({ error, address: String(address) })),
      );
    expect(await lookup('hooks.example.com')).toEqual({ error: null, address: '93.184.216.34' });
    expect((await lookup('sneaky.example.com')).error?.message).toMatch(/loopback/);
    expect((await lookup('metadata.google.internal')).error?.message).toMatch(/metadata/);
  });
});
