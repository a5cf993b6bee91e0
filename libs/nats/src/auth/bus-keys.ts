import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyPair, createAccount, createOperator, encodeAccount, encodeOperator } from '@nats-io/jwt';
import { nativeKeyPair } from './native-signer';

/**
 * The keys of a bus in NATS decentralized-JWT mode: an operator (trusted by the server), the
 * system account, the platform's account and a signing key of that account. Only the signing key
 * is needed to create users (services, replicas, publishers): whoever holds it can mint credentials,
 * so it lives in a 0600 file read by the bootstrap scripts and the provider alone.
 */
export interface BusKeys {
  operator: KeyPair;
  system: KeyPair;
  account: KeyPair;
  signer: KeyPair;
}

/** Where each seed is kept inside the bus directory. */
export const BUS_KEY_FILES = { operator: 'operator.nk', system: 'system.nk', account: 'account.nk', signer: 'signing.nk' } as const;

/** Reads an nkey seed file (one line `S…`). */
export function readSeed(file: string): KeyPair {
  return nativeKeyPair(readFileSync(file, 'utf8').trim());
}

/** Writes a file only its owner can read, whatever the umask. */
export function writePrivateFile(file: string, data: string | Uint8Array): void {
  writeFileSync(file, data, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Loads the bus keys from `dir`, creating the missing ones (the directory is made 0700). */
export function loadOrCreateBusKeys(dir: string): BusKeys {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const make = { operator: createOperator, system: createAccount, account: createAccount, signer: createAccount };
  const keys = {} as BusKeys;
  for (const name of Object.keys(BUS_KEY_FILES) as Array<keyof BusKeys>) {
    const file = join(dir, BUS_KEY_FILES[name]);
    if (!existsSync(file)) writePrivateFile(file, `${new TextDecoder().decode(make[name]().getSeed())}\n`);
    keys[name] = readSeed(file);
  }
  return keys;
}

/** JetStream limits of the platform's account. */
export interface AccountLimits {
  /** Most bytes the account may store on disk (every stream, bucket and object store together). */
  maxFileBytes: number;
  /** Most bytes in memory streams. */
  maxMemoryBytes: number;
}

/** The JWTs the server must trust: the operator, the system account and the platform's account. */
export async function busJwts(keys: BusKeys, limits: AccountLimits): Promise<{ operator: string; system: string; account: string }> {
  const operator = await encodeOperator('skiff', keys.operator, { system_account: keys.system.getPublicKey() });
  const system = await encodeAccount('SYS', keys.system, {}, { signer: keys.operator });
  const account = await encodeAccount(
    'SKIFF',
    keys.account,
    {
      signing_keys: [keys.signer.getPublicKey()],
      limits: {
        subs: -1,
        conn: -1,
        leaf: -1,
        imports: -1,
        exports: -1,
        data: -1,
        payload: -1,
        wildcards: true,
        disk_storage: limits.maxFileBytes,
        mem_storage: limits.maxMemoryBytes,
        streams: -1,
        consumer: -1,
      },
    },
    { signer: keys.operator },
  );
  return { operator, system, account };
}
