import { lookup as dnsLookup, LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import type { CallbackPolicy } from '@skiff/contracts';

/** Code of the error a refused callback destination fails with. */
export const CALLBACK_REFUSED = 'ERR_SKIFF_CALLBACK_REFUSED';

/** A callback destination the policy refuses (never retried). */
export class CallbackRefusedError extends Error {
  readonly code = CALLBACK_REFUSED;
}

/** The resolver a lookup asks (dns.lookup, the system's resolver, as Node's own connections use). */
export type Resolver = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `net.connect` (undici's `connect` option) that resolves a callback host once, checks
 * EVERY address it got against the policy, and hands the socket only those checked addresses: the
 * connection goes to an address that was checked, so a DNS answer that changes between check and
 * connect (rebinding) cannot reach a refused one. One refused address refuses the name (a name that
 * mixes public and internal answers is not delivered to). Names listed in SKIFF_CALLBACK_ALLOW skip
 * the check. Literal IP hosts never reach a lookup (net.connect skips it): the sender checks those itself.
 */
export function guardedLookup(policy: CallbackPolicy, resolve: Resolver = dnsLookup as unknown as Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (!addresses.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (!policy.allowsName(hostname)) {
        for (const a of addresses) {
          const problem = policy.addressProblem(a.address);
          if (problem) return callback(new CallbackRefusedError(`callback host ${hostname} resolves to ${a.address}; ${problem}`), []);
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

/** True for an error (or its cause) raised because the policy refused the destination. */
export function isCallbackRefused(err: unknown): err is Error {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code === CALLBACK_REFUSED) return true;
  }
  return false;
}
