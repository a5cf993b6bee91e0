import { checkBasicAuth, isProtectedUrl } from './basic-auth';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

// Only for requests that match no route; matched ones are decided on their route (basic-auth.hook.spec.ts).
describe('isProtectedUrl', () => {
  it.each([
    '/system/functions',
    '/system/functions?namespace=x',
    '/system',
    '/system/',
    '/ui/',
    '/ui',
    '/ui/index.html',
    '/async-function/status/abc',
    '//system/functions',
    '/%73ystem/functions',
    '/SYSTEM/functions',
    '/system%2Ffunctions',
    '/%E0%A4%A',
    '/system\\functions',
    '\\system\\functions',
    '/%5csystem/functions',
  ])('unmatched %s looks like an admin path', (url) => expect(isProtectedUrl(url)).toBe(true));

  it.each([
    '/function/echo',
    '/function/system',
    '/async-function/echo',
    '/healthz',
    '/metrics',
    '/',
    '/function/echo/system/x',
    '/systemd',
  ])('unmatched %s does not', (url) => expect(isProtectedUrl(url)).toBe(false));
});

describe('checkBasicAuth', () => {
  it('accepts the exact user and password only', () => {
    expect(checkBasicAuth(basic('admin:s3cret'), 'admin', 's3cret')).toBe(true);
    expect(checkBasicAuth(basic('admin:s3cret:x'), 'admin', 's3cret:x')).toBe(true);
    expect(checkBasicAuth('basic ' + Buffer.from('admin:s3cret').toString('base64'), 'admin', 's3cret')).toBe(true);
    for (const bad of [
      undefined,
      '',
      'Bearer x',
      basic('admin:wrong'),
      basic('root:s3cret'),
      basic('admin'),
      basic('admin:s3cre'),
      'Basic !!!',
    ]) {
      expect(checkBasicAuth(bad, 'admin', 's3cret')).toBe(false);
    }
  });
});
