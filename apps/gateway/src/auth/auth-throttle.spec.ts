import { AuthThrottle, clientKey } from './auth-throttle';

const options = { maxFailures: 3, windowMs: 1000, maxBlockMs: 5000, maxAddresses: 4 };

describe('AuthThrottle', () => {
  it('#19 blocks an address after maxFailures within the window, and only that address', () => {
    const sut = new AuthThrottle(options);
    sut.failed('a', 0);
    sut.failed('a', 10);
    expect(sut.blockedFor('a', 20)).toBe(0);
    sut.failed('a', 20);
    expect(sut.blockedFor('a', 20)).toBe(1000);
    expect(sut.blockedFor('a', 1019)).toBe(1);
    expect(sut.blockedFor('a', 1020)).toBe(0);
    expect(sut.blockedFor('b', 20)).toBe(0);
  });

  it('counts failures in a window: slow guessing is not blocked', () => {
    const sut = new AuthThrottle(options);
    for (let t = 0; t < 10_000; t += 600) sut.failed('a', t);
    expect(sut.blockedFor('a', 10_000)).toBe(0);
  });

  it('doubles each block in a row up to maxBlockMs, and forgets the blocks after a quiet longest block', () => {
    const sut = new AuthThrottle(options);
    const block = (at: number) => {
      for (let i = 0; i < 3; i++) sut.failed('a', at);
      return sut.blockedFor('a', at);
    };
    expect(block(0)).toBe(1000);
    expect(block(2000)).toBe(2000);
    expect(block(5000)).toBe(4000);
    expect(block(10_000)).toBe(5000);
    expect(block(15_000)).toBe(5000);
    expect(block(30_000)).toBe(1000);
  });

  it('forgets an address on a right login', () => {
    const sut = new AuthThrottle(options);
    sut.failed('a', 0);
    sut.failed('a', 0);
    sut.succeeded('a');
    sut.failed('a', 0);
    expect(sut.blockedFor('a', 0)).toBe(0);
    expect(sut.size).toBe(1);
  });

  it('remembers at most maxAddresses, the least recently seen dropped first', () => {
    const sut = new AuthThrottle(options);
    for (let i = 0; i < 3; i++) sut.failed('keep', 0);
    for (let i = 0; i < 100; i++) {
      sut.failed(`spray-${i}`, 1);
      if (i % 2 === 0) sut.failed('keep', 1);
    }
    expect(sut.size).toBe(4);
    expect(sut.blockedFor('keep', 1)).toBeGreaterThan(0);
  });
});

describe('clientKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::99', '2001:db8:1:2::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });
});
