import { lookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook must never reach: everything that is not the public internet (RFC 6890's
 * special-purpose registries). IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are checked as the
 * IPv4 address they are (node's BlockList does that); NAT64 and 6to4 prefixes, which embed an IPv4
 * address a gateway would reach, are refused whole.
 */
const NOT_PUBLIC = new BlockList();
const V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: the cloud's metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];
const V6: [string, number][] = [
  ['::', 96], // unspecified, loopback and IPv4-compatible
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo among them)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];
for (const [net, prefix] of V4) NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of V6) NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** The address written in a URL's host, without IPv6 brackets; undefined for a name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

/** An address on the public internet (not loopback, private, link-local, reserved, or a way into one). */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** Names that are the operator's own network by definition, whatever DNS says of them. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)\.?$/i;

/** A host name that could be on the public internet: dotted, and not one of the local-only suffixes. */
function isPublicName(hostname: string): boolean {
  return hostname.includes('.') && !LOCAL_NAME.test(hostname);
}

/** An address a webhook may reach: a public one, or 127.0.0.1 itself when the operator allows loopback. */
function isAllowedAddress(ip: string, allowLoopback: boolean): boolean {
  return isPublicAddress(ip) || (allowLoopback && ip === '127.0.0.1');
}

/**
 * A URL host a webhook may name: an allowed address literal, or a public name (whose addresses
 * publicOnlyLookup checks again when it is connected to). One rule for registering and for sending.
 */
export function isAllowedHost(hostname: string, allowLoopback: boolean): boolean {
  const literal = ipLiteral(hostname);
  return literal ? isAllowedAddress(literal, allowLoopback) : isPublicName(hostname);
}

/**
 * A `lookup` for node's net and tls connections that refuses to connect to anything but a public
 * address (or 127.0.0.1 when `allowLoopback`): the check is on the very address the socket
 * connects to, so a name that resolved to a public address when the endpoint was registered and to
 * a private one now (DNS rebinding) is still refused.
 */
export function publicOnlyLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const ok = addresses.filter((a) => isAllowedAddress(a.address, allowLoopback));
      if (ok.length === 0 || ok.length !== addresses.length) {
        const refused = Object.assign(new Error(`${hostname} resolves to an address that is not public (${addresses.map((a) => a.address).join(', ')})`), { code: 'ENOTPUBLIC' });
        return callback(refused, '', 0);
      }
      // node asks for one address or, with autoSelectFamily, for all of them.
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, ok);
      const first = ok[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}
