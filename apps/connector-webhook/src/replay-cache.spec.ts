import { ReplayCache } from './replay-cache';

describe('ReplayCache', () => {
  it('claims a key once until it expires, and gives it back on release', () => {
    const sut = new ReplayCache();
    expect(sut.claim('a', 2_000, 1_000)).toBe(true);
    expect(sut.claim('a', 2_000, 1_500)).toBe(false);
    expect(sut.claim('a', 4_000, 2_000)).toBe(true);
    sut.release('a');
    expect(sut.claim('a', 4_000, 2_100)).toBe(true);
  });

  it('stays within its bound: expired keys go first, then the oldest', () => {
    const sut = new ReplayCache(3);
    sut.claim('old', 100, 0);
    sut.claim('b', 10_000, 0);
    sut.claim('c', 10_000, 0);
    expect(sut.claim('d', 10_000, 200)).toBe(true);
    expect(sut.size).toBe(3);
    expect(sut.claim('b', 10_000, 300)).toBe(false);
    sut.claim('e', 10_000, 300);
    expect(sut.size).toBe(3);
    expect(sut.claim('b', 10_000, 400)).toBe(true);
  });
});
