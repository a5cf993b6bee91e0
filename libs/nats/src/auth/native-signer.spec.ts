import { createAccount, createOperator, createUser, fromSeed } from '@nats-io/nkeys';
import { credsAuthenticator as natsCredsAuthenticator } from 'nats';
import { fmtCreds } from '@nats-io/jwt';
import { credsAuthenticator, nativeKeyPair, newUserKey } from './native-signer';
import { decodeSeed } from './nkey-codec';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('nkeys with Node Ed25519 (same keys and signatures as the nkeys library)', () => {
  it.each([
    ['user', createUser],
    ['account', createAccount],
    ['operator', createOperator],
  ])('reads a %s seed: public key, private key and signatures equal the library', (_role, make) => {
    const reference = make();
    const native = nativeKeyPair(text(reference.getSeed()));
    const message = new TextEncoder().encode('nonce-4711');
    expect(native.getPublicKey()).toBe(reference.getPublicKey());
    expect(text(native.getPrivateKey())).toBe(text(reference.getPrivateKey()));
    expect(Buffer.from(native.sign(message)).equals(Buffer.from(reference.sign(message)))).toBe(true);
    expect(reference.verify(message, native.sign(message))).toBe(true);
    expect(native.verify(message, reference.sign(message))).toBe(true);
  });

  it('makes user keys the library reads back', () => {
    const key = newUserKey();
    expect(fromSeed(key.seed).getPublicKey()).toBe(key.publicKey);
    expect(key.publicKey.startsWith('U')).toBe(true);
  });

  it('refuses a seed with a bad checksum or of the wrong size', () => {
    const seed = text(createUser().getSeed());
    const flipped = seed.slice(0, 10) + (seed[10] === 'A' ? 'B' : 'A') + seed.slice(11);
    expect(() => decodeSeed(flipped)).toThrow(/checksum/);
    expect(() => decodeSeed(seed.slice(0, 40))).toThrow();
    expect(() => decodeSeed(createUser().getPublicKey())).toThrow();
  });

  it('answers the server nonce exactly as the nats client does for the same .creds', () => {
    const user = createUser();
    const creds = fmtCreds('eyJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln', user);
    const ours = credsAuthenticator(creds)('server-nonce');
    const theirs = natsCredsAuthenticator(creds)('server-nonce');
    expect(ours).toEqual(theirs);
  });
});
