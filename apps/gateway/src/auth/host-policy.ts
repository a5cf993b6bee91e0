import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** Names a gateway bound to a specific address answers to when SKIFF_GATEWAY_HOSTS is not set. */
const LOOPBACK_NAMES = ['localhost', '*.localhost'];

/** Addresses that mean "every interface": the gateway cannot know the names it is reached by. */
const WILDCARD_BINDS = new Set(['0.0.0.0', '::', '[::]']);

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower case, or undefined when unreadable. */
export function hostName(host: string): string | undefined {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(0, end + 1) : undefined;
  }
  const colon = value.lastIndexOf(':');
  const name = colon >= 0 && /^\d*$/.test(value.slice(colon + 1)) ? value.slice(0, colon) : value;
  return name.replace(/\.$/, '') || undefined;
}

/** Why a list of host names (`SKIFF_GATEWAY_HOSTS`: names or `*.suffix`) is unusable, or undefined. */
export function hostListProblem(list: string): string | undefined {
  for (const name of splitHosts(list)) {
    if (!/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(name)) {
      return `"${name}" is not a host name (letters, digits, "-" and dots; "*." in front matches every subdomain; no port)`;
    }
  }
  return undefined;
}

function splitHosts(list: string): string[] {
  return list
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/\.$/, ''))
    .filter(Boolean);
}

/**
 * Which names the gateway answers to in `Host` (a DNS-rebinding defence: a page on a name of the
 * attacker's that resolves to this machine sends that name). IP addresses are always fine (rebinding
 * needs a name). Names: those of `SKIFF_GATEWAY_HOSTS` when set; otherwise `localhost`, `*.localhost` and
 * this machine's host name, or any name at all when the gateway listens on every interface (0.0.0.0,
 * `::`), where the names it is reached by cannot be known.
 */
export class HostPolicy {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly anyName: boolean;

  constructor(configured: string | undefined, bindAddress: string) {
    const names = configured?.trim() ? splitHosts(configured) : [...LOOPBACK_NAMES, hostname().toLowerCase()];
    this.anyName = !configured?.trim() && WILDCARD_BINDS.has(bindAddress);
    for (const name of names) {
      if (name.startsWith('*.')) this.suffixes.push(name.slice(1));
      else this.exact.add(name);
    }
  }

  /** What the gateway's log says about the policy at start. */
  describe(): string {
    if (this.anyName) return 'any host name (listening on every interface; set SKIFF_GATEWAY_HOSTS to the names clients use)';
    return `IP addresses and ${[...this.exact, ...this.suffixes.map((s) => `*${s}`)].join(', ')}`;
  }

  /** Why this Host is refused, or undefined. A request without Host (HTTP/1.0) is not a browser's. */
  problem(host: string | undefined): string | undefined {
    if (host === undefined || this.anyName) return undefined;
    const name = hostName(host);
    const ip = name?.startsWith('[') ? isIP(name.slice(1, -1)) === 6 : name !== undefined && isIP(name) === 4;
    if (name !== undefined && (ip || this.exact.has(name) || this.suffixes.some((s) => name.endsWith(s)))) return undefined;
    return `host "${host}" is not a name this gateway answers to: add it to SKIFF_GATEWAY_HOSTS`;
  }
}
