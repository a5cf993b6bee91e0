import { isIP } from 'node:net';
import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** IPv6 ranges refused on top of what ipaddr.js does not call `unicast`: IPv4-compatible `::a.b.c.d` (deprecated, RFC 4291). */
const EXTRA_DENIED: Array<[ipaddr.IPv6, number]> = [[ipaddr.IPv6.parse('::'), 96]];

/** Most answers CallbackPolicy remembers before starting over. */
const MEMO_MAX = 1024;

/** Host names that always mean this machine, whatever DNS says. */
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)\.?$|\.localhost\.?$/i;

/**
 * Where callbacks (`X-Callback-Url`) may go. By default only public unicast addresses: loopback,
 * link-local (169.254.0.0/16, the cloud metadata address included), private (10/8, 172.16/12,
 * 192.168/16, fc00::/7), carrier-grade NAT (100.64/10), unspecified (0.0.0.0/8, ::), multicast,
 * broadcast, documentation and other reserved ranges, and IPv6 forms that embed an IPv4 address
 * (IPv4-mapped and -compatible, NAT64, 6to4, Teredo) are refused; an IPv4-mapped address is judged as
 * the IPv4 address it maps. `SKIFF_CALLBACK_ALLOW` (comma-separated) opens what an operator wants:
 * CIDRs or single addresses (`127.0.0.1/32`, `10.1.0.0/16`, `fd00::/8`, `192.168.1.5`), and host names
 * (`hooks.internal`), whose callbacks are then delivered to whatever those names resolve to.
 *
 * The gateway refuses a literal host at once (400); the queue-worker checks every address a name
 * resolves to and connects only to an address it checked (see the queue-worker's CallbackSender).
 */
export class CallbackPolicy {
  /** Answers already worked out (the policy never changes; callback hosts repeat), bounded. */
  private readonly memo = new Map<string, string | undefined>();

  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly ranges: ReadonlyArray<[Address, number]>,
  ) {}

  /** The policy of an allow list; throws with the offending entry when one is neither a CIDR, an address nor a host name. */
  static parse(allow: string | undefined): CallbackPolicy {
    const names = new Set<string>();
    const ranges: Array<[Address, number]> = [];
    for (const raw of (allow ?? '').split(',')) {
      const entry = raw.trim();
      if (!entry) continue;
      const problem = entryProblem(entry);
      if (problem) throw new Error(problem);
      if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(unbracket(entry)));
      else if (isIP(unbracket(entry))) {
        const address = ipaddr.parse(unbracket(entry));
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else names.add(normalName(entry));
    }
    return new CallbackPolicy(names, ranges);
  }

  /** Why an allow list is unusable (for env validation), or undefined. */
  static problemOf(allow: string | undefined): string | undefined {
    for (const raw of (allow ?? '').split(',')) {
      const entry = raw.trim();
      const problem = entry ? entryProblem(entry) : undefined;
      if (problem) return problem;
    }
    return undefined;
  }

  /** True when the operator listed this host name: its addresses are not checked. */
  allowsName(hostname: string): boolean {
    return this.names.has(normalName(unbracket(hostname)));
  }

  /**
   * Why a callback URL's host is refused before any DNS lookup, or undefined: a literal address in a
   * refused range, or a name that always means this machine (`localhost`), unless allowed.
   */
  hostProblem(hostname: string): string | undefined {
    const key = `h ${hostname}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const problem = this.hostProblemOf(hostname);
    if (this.memo.size >= MEMO_MAX) this.memo.clear();
    this.memo.set(key, problem);
    return problem;
  }

  private hostProblemOf(hostname: string): string | undefined {
    const host = unbracket(hostname);
    if (this.allowsName(host)) return undefined;
    if (isIP(host)) return this.addressProblem(host);
    if (LOCAL_NAMES.test(host)) return `callback host ${host} is this machine (loopback): refused unless listed in SKIFF_CALLBACK_ALLOW`;
    return undefined;
  }

  /** Why a callback may not connect to `address` (a resolved or literal IP), or undefined when it may. */
  addressProblem(address: string): string | undefined {
    let parsed: Address;
    try {
      parsed = ipaddr.process(unbracket(address));
    } catch {
      return `callback address ${address} is not an IP address`;
    }
    if (this.ranges.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits))) return undefined;
    const range = rangeOf(parsed);
    if (range === 'unicast') return undefined;
    return `callback address ${parsed.toString()} is ${range}: callbacks to loopback, private, link-local, metadata and other non-public addresses are refused unless listed in SKIFF_CALLBACK_ALLOW`;
  }
}

/** ipaddr.js's range name, plus the IPv6 ranges it leaves as unicast that embed an IPv4 address. */
function rangeOf(address: Address): string {
  const range = address.range();
  if (range !== 'unicast' || address.kind() !== 'ipv6') return range;
  return EXTRA_DENIED.some(([net, bits]) => (address as ipaddr.IPv6).match(net, bits)) ? 'ipv4Compatible' : range;
}

function entryProblem(entry: string): string | undefined {
  const plain = unbracket(entry);
  if (entry.includes('/')) {
    try {
      ipaddr.parseCIDR(plain);
      if (!isIP(plain.split('/')[0])) throw new Error('not canonical');
      return undefined;
    } catch {
      return `SKIFF_CALLBACK_ALLOW entry "${entry}" is not a CIDR (e.g. 10.0.0.0/8, fd00::/8)`;
    }
  }
  if (isIP(plain)) return undefined;
  if (/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?$/.test(plain) && plain.length <= 253 && !/^[\d.]+$/.test(plain)) return undefined;
  return `SKIFF_CALLBACK_ALLOW entry "${entry}" is neither a CIDR, an IP address nor a host name`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.includes(']') ? host.slice(1, host.indexOf(']')) + host.slice(host.indexOf(']') + 1) : host;
}

function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** Env validation: a comma-separated list of CIDRs, addresses and host names (see CallbackPolicy). */
export function IsCallbackAllowList(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCallbackAllowList',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && CallbackPolicy.problemOf(value) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          (typeof args.value === 'string' && CallbackPolicy.problemOf(args.value)) ||
          `${args.property} must be a comma-separated list of CIDRs, addresses and host names`,
      },
    });
}
