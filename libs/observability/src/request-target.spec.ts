import { normaliseRequestTarget, refusedTarget, rewriteRequestTarget } from './request-target';

describe('normaliseRequestTarget', () => {
  it.each([
    ['/system/functions', '/system/functions', undefined],
    ['//system/functions', '//system/functions', undefined],
    ['/a?b=http://x/', '/a?b=http://x/', undefined],
    ['http://x/system/functions', '/system/functions', 'x'],
    ['HTTPS://Example.org:8443/a/b?c', '/a/b?c', 'Example.org:8443'],
    ['http://x', '/', 'x'],
    ['http://x?/system/functions', '/?/system/functions', 'x'],
    ['http://x//system', '//system', 'x'],
    ['http://[::1]:8080/healthz', '/healthz', '[::1]:8080'],
  ])('%s → %s (host %s)', (target, url, host) => {
    expect(normaliseRequestTarget(target)).toEqual(host === undefined ? { url } : { url, host });
  });

  it.each([
    '*',
    'system/functions',
    'http:/system',
    'http:system',
    'ftp://x/system',
    'http://',
    'http:///system',
    'http://u:p@x/system',
    'http://x#frag',
    '',
    'x'.repeat(300),
  ])('refuses %s with a reason', (target) => {
    const got = normaliseRequestTarget(target);
    expect(got).toHaveProperty('problem');
    expect((got as { problem: string }).problem).toMatch(/request target/);
    expect((got as { problem: string }).problem.length).toBeLessThan(300);
  });
});

describe('rewriteRequestTarget', () => {
  it('replaces Host with the authority of an absolute-form target (RFC 9112 §3.2.2)', () => {
    const req = { url: 'http://named.example/function/echo', headers: { host: 'other' } };
    expect(rewriteRequestTarget(req)).toBe('/function/echo');
    expect(req.headers.host).toBe('named.example');
    expect(refusedTarget(req)).toBeUndefined();
  });

  it('routes a refused target nowhere and remembers why', () => {
    const req = { url: '*', headers: {} };
    expect(rewriteRequestTarget(req)).toBe('/.refused-request-target');
    expect(refusedTarget(req)).toMatch(/neither a path/);
  });
});
