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
import { invalidInput, msg, RoostError, type Message } from '../errors.js';

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

/** Ranges no webhook may reach by default, with the kind of address named to the person. */
const DENIED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'problem.webhooks.address.unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'problem.webhooks.address.private'],
  ['100.64.0.0', 10, 'ipv4', 'problem.webhooks.address.sharedNat'],
  ['127.0.0.0', 8, 'ipv4', 'problem.webhooks.address.loopback'],
  ['169.254.0.0', 16, 'ipv4', 'problem.webhooks.address.linkLocalOrMetadata'],
  ['172.16.0.0', 12, 'ipv4', 'problem.webhooks.address.private'],
  ['192.0.0.0', 24, 'ipv4', 'problem.webhooks.address.reserved'],
  ['192.168.0.0', 16, 'ipv4', 'problem.webhooks.address.private'],
  ['198.18.0.0', 15, 'ipv4', 'problem.webhooks.address.reserved'],
  ['224.0.0.0', 4, 'ipv4', 'problem.webhooks.address.multicast'],
  ['240.0.0.0', 4, 'ipv4', 'problem.webhooks.address.reserved'],
  ['::', 128, 'ipv6', 'problem.webhooks.address.unspecified'],
  ['::1', 128, 'ipv6', 'problem.webhooks.address.loopback'],
  ['64:ff9b::', 96, 'ipv6', 'problem.webhooks.address.nat64'],
  ['fc00::', 7, 'ipv6', 'problem.webhooks.address.uniqueLocal'],
  ['fe80::', 10, 'ipv6', 'problem.webhooks.address.linkLocal'],
  ['ff00::', 8, 'ipv6', 'problem.webhooks.address.multicast'],
];

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/**
 * A host a webhook may not reach: bad input when an endpoint is registered (the reason, a
 * Message, is said in the reader's language), and in English (`message`) in the delivery log.
 */
export class WebhookTargetRefused extends RoostError {
  constructor(reason: Message) {
    super('INVALID_INPUT', reason);
    this.name = 'WebhookTargetRefused';
  }
}

export interface UrlGuard {
  /** Syntax and policy of a URL, then DNS: throws INVALID_INPUT with a message a person can act on. */
  check(url: string): Promise<URL>;
  /** Why an address of `hostname` is refused, or null when it may be used. */
  refusal(hostname: string, address: string): WebhookTargetRefused | null;
  /**
   * For http.request: resolves like dns.lookup, refusing forbidden addresses at connect time.
   * Node does not call it for an address written in the URL: see `literalRefusal`.
   */
  lookup: LookupFunction;
  /** Why a URL host that is an IP address is refused (null: allowed, or a name for `lookup`). */
  literalRefusal(hostname: string): WebhookTargetRefused | null;
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
  const denied = DENIED.map(([net, prefix, type, kind]) => {
    const list = new BlockList();
    list.addSubnet(net, prefix, type);
    return { list, kind: msg(kind) };
  });

  function refusal(hostname: string, address: string): WebhookTargetRefused | null {
    if (allowedNames.has(hostname.toLowerCase())) return null;
    const type = familyOf(address);
    if (allowedAddresses.check(address, type)) return null;
    const hit = denied.find((d) => d.list.check(address, type));
    return hit
      ? new WebhookTargetRefused(
          msg('problem.webhooks.refused', {
            host: hostname,
            address: address === hostname ? 'none' : address,
            kind: hit.kind,
          }),
        )
      : null;
  }

  const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

  async function resolveChecked(hostname: string): Promise<ResolvedAddress[]> {
    const host = bare(hostname);
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolver(host);
    if (addresses.length === 0) throw new WebhookTargetRefused(msg('problem.webhooks.noAddress', { host }));
    for (const a of addresses) {
      const why = refusal(host, a.address);
      if (why) throw why;
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
        throw invalidInput(msg('problem.webhooks.notAUrl', { value: raw.slice(0, 200) }));
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw invalidInput(msg('problem.webhooks.scheme'));
      if (url.username || url.password) throw invalidInput(msg('problem.webhooks.credentials'));
      try {
        await resolveChecked(url.hostname);
      } catch (error) {
        if (error instanceof WebhookTargetRefused) throw error;
        // The resolver's own words (getaddrinfo ENOTFOUND …) stay as they are: a code to look up.
        throw invalidInput(
          msg('problem.webhooks.unresolvable', { host: url.hostname, reason: (error as Error).message }),
        );
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
