import { LookupAddress } from 'node:dns';
import { CallbackPolicy } from '@skiff/contracts';
import { guardedLookup, isCallbackRefused, Resolver } from './callback-lookup';

/** A resolver answering from a table (unit tests may stub; the e2e test resolves for real). */
function resolverOf(table: Record<string, string[]>): Resolver & { calls: number } {
  const r = ((hostname, _options, callback) => {
    r.calls++;
    const answers = table[hostname];
    if (!answers) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(
      null,
      answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as Resolver & { calls: number };
  r.calls = 0;
  return r;
}

function lookupOnce(
  lookup: ReturnType<typeof guardedLookup>,
  host: string,
  all: boolean,
): Promise<{ err: Error | null; address: string | LookupAddress[] }> {
  return new Promise((resolve) => lookup(host, { all }, (err, address) => resolve({ err, address })));
}

describe('guardedLookup', () => {
  const resolver = resolverOf({
    'public.example': ['93.184.216.34', '2606:2800:220:1::1'],
    'internal.example': ['10.0.0.7'],
    'rebind.example': ['93.184.216.34', '127.0.0.1'],
    'metadata.example': ['::ffff:169.254.169.254'],
    'allowed.internal': ['10.9.9.9'],
  });
  const sut = guardedLookup(CallbackPolicy.parse('allowed.internal'), resolver);

  it('hands the socket the checked addresses of a public name, in both lookup shapes', async () => {
    expect(await lookupOnce(sut, 'public.example', true)).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    });
    expect(await lookupOnce(sut, 'public.example', false)).toEqual({ err: null, address: '93.184.216.34' });
  });

  it('refuses a name when any address it resolves to is refused, naming the address', async () => {
    for (const [host, address] of [
      ['internal.example', '10.0.0.7'],
      ['rebind.example', '127.0.0.1'],
      ['metadata.example', '169.254.169.254'],
    ]) {
      const { err } = await lookupOnce(sut, host, true);
      expect(isCallbackRefused(err)).toBe(true);
      expect(err?.message).toContain(address);
    }
  });

  it('lets a name listed in SKIFF_CALLBACK_ALLOW through whatever it resolves to', async () => {
    expect(await lookupOnce(sut, 'allowed.internal', false)).toEqual({ err: null, address: '10.9.9.9' });
  });

  it('passes resolver errors on as ordinary (retryable) errors', async () => {
    const { err } = await lookupOnce(sut, 'nowhere.example', true);
    expect(err?.message).toContain('ENOTFOUND');
    expect(isCallbackRefused(err)).toBe(false);
  });
});
