import { readFileSync } from 'node:fs';
import { KeyPair, encodeUser, fmtCreds } from '@nats-io/jwt';
import { nativeKeyPair, newUserKey } from './native-signer';
import type { BusPermissions } from '@skiff/contracts/bus-permissions';

/** What a user JWT may carry besides its permissions. */
export interface CredentialOptions {
  /** Source networks (CIDR) the user may connect from; any when omitted. */
  sources?: string[];
}

/** The key that signs users, and the account they belong to. */
export interface BusIssuer {
  /** The account's signing key (seed). */
  signer: KeyPair;
  /** The account's public key (`A…`). */
  account: string;
}

/**
 * Reads the issuer from a seed file of the account signing key; the account is named in the file's
 * second line (`A…`), written by writeIssuerFile.
 */
export function readIssuerFile(file: string): BusIssuer {
  const [seed, account] = readFileSync(file, 'utf8').trim().split(/\s+/);
  if (!seed?.startsWith('SA') || !account?.startsWith('A'))
    throw new Error(`${file} is not a Skiff bus issuer file (signing key seed, then account key)`);
  return { signer: nativeKeyPair(seed), account };
}

/** The issuer file's contents: the signing key's seed and the account's public key. */
export function issuerFileContents(issuer: BusIssuer): string {
  return `${new TextDecoder().decode(issuer.signer.getSeed())}\n${issuer.account}\n`;
}

const NANOS_PER_MS = 1_000_000;

/** In NATS an empty allow list means "no restriction": a permission that allows nothing must deny everything. */
function jwtPermission(p: { allow: string[]; deny?: string[] }): { allow: string[]; deny: string[] } {
  return p.allow.length ? { allow: p.allow, deny: p.deny ?? [] } : { allow: [], deny: ['>'] };
}

/**
 * A NATS `.creds` file (user JWT + its seed) for a new user of the account with exactly
 * `permissions`, signed by the account's signing key.
 */
export async function mintCredentials(
  issuer: BusIssuer,
  name: string,
  permissions: BusPermissions,
  options: CredentialOptions = {},
): Promise<Uint8Array> {
  const user = newUserKey();
  const jwt = await encodeUser(
    name,
    user.publicKey,
    issuer.account,
    {
      pub: jwtPermission(permissions.pub),
      sub: jwtPermission(permissions.sub),
      ...(permissions.resp ? { resp: { max: permissions.resp.max, ttl: permissions.resp.ttlMs * NANOS_PER_MS } } : {}),
      ...(options.sources?.length ? { src: options.sources } : {}),
    },
    { signer: issuer.signer },
  );
  return fmtCreds(jwt, { getSeed: () => user.seed } as KeyPair);
}
