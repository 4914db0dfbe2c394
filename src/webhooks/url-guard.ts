/**
 * Keeps webhook endpoints from turning Roost into a proxy into its own network (SSRF): an
 * endpoint whose host is, or resolves to, a loopback, private, link-local, cloud-metadata or
 * otherwise non-public address is refused, unless its host name or address is in
 * ROOST_WEBHOOK_ALLOWED_HOSTS. The check runs when an endpoint is registered and again inside
 * every request's own DNS lookup (`lookup`), so a name that later resolves elsewhere (DNS
 * rebinding) is refused at connect time. Redirects are never followed (dispatcher.ts).
 */
import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { invalidInput, untranslated } from '../errors.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has (dns.lookup with all: true by default). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Ranges no webhook may reach by default, with the reason shown to the person. */
const DENIED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local or cloud metadata address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a reserved address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['64:ff9b::', 96, 'ipv6', 'a NAT64 address'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

export class WebhookTargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

export interface UrlGuard {
  /** Syntax and policy of a URL, then DNS: throws INVALID_INPUT with a message a person can act on. */
  check(url: string): Promise<URL>;
  /** Why an address of `hostname` is refused, or null when it may be used. */
  refusal(hostname: string, address: string): string | null;
  /**
   * For http.request: resolves like dns.lookup, refusing forbidden addresses at connect time.
   * Node does not call it for an address written in the URL: see `literalRefusal`.
   */
  lookup: LookupFunction;
  /** Why a URL host that is an IP address is refused (null: allowed, or a name for `lookup`). */
  literalRefusal(hostname: string): string | null;
}

export function createUrlGuard(opts: { allowedHosts: readonly string[]; resolver?: Resolver }): UrlGuard {
  const resolver = opts.resolver ?? systemResolver;
  const allowedNames = new Set<string>();
  const allowedAddresses = new BlockList();
  for (const entry of opts.allowedHosts) {
    const [base, bits] = entry.split('/');
    const ip = base ? isIP(base.replace(/^\[|\]$/g, '')) : 0;
    if (ip && base) {
      const addr = base.replace(/^\[|\]$/g, '');
      const type = ip === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) allowedAddresses.addAddress(addr, type);
      else allowedAddresses.addSubnet(addr, Number(bits), type);
    } else {
      allowedNames.add(entry.toLowerCase());
    }
  }
  const denied = DENIED.map(([net, prefix, type, reason]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, reason };
  });

  function refusal(hostname: string, address: string): string | null {
    if (allowedNames.has(hostname.toLowerCase())) return null;
    const type = familyOf(address);
    if (allowedAddresses.check(address, type)) return null;
    const hit = denied.find((d) => d.list.check(address, type));
    return hit
      ? `${hostname} is ${address === hostname ? '' : `at ${address}, `}${hit.reason}; webhooks may only reach public addresses unless ROOST_WEBHOOK_ALLOWED_HOSTS names the host.`
      : null;
  }

  const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

  async function resolveChecked(hostname: string): Promise<ResolvedAddress[]> {
    const host = bare(hostname);
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolver(host);
    if (addresses.length === 0) throw new WebhookTargetRefused(`${host} has no address.`);
    for (const a of addresses) {
      const why = refusal(host, a.address);
      if (why) throw new WebhookTargetRefused(why);
    }
    return addresses;
  }

  return {
    refusal,

    literalRefusal(hostname) {
      const host = bare(hostname);
      return isIP(host) ? refusal(host, host) : null;
    },

    async check(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw invalidInput(
          untranslated(`"${raw.slice(0, 200)}" is not a URL; give one like https://hooks.example.com/roost.`),
        );
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw invalidInput(untranslated('A webhook URL must start with https:// (or http://).'));
      if (url.username || url.password)
        throw invalidInput(
          untranslated('A webhook URL must not carry a user name or password; Roost signs every delivery.'),
        );
      try {
        await resolveChecked(url.hostname);
      } catch (error) {
        if (error instanceof WebhookTargetRefused) throw invalidInput(untranslated(error.message));
        throw invalidInput(untranslated(`${url.hostname} cannot be resolved (${(error as Error).message}).`));
      }
      return url;
    },

    lookup(hostname, options, callback) {
      resolveChecked(hostname).then(
        (addresses) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
          if (usable.length === 0) {
            callback(
              Object.assign(new Error(`${hostname} has no IPv${wanted} address`), { code: 'ENOTFOUND' }),
              '',
              0,
            );
          } else if (options.all) {
            (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, usable);
          } else {
            callback(null, usable[0]!.address, usable[0]!.family);
          }
        },
        (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
      );
    },
  };
}
