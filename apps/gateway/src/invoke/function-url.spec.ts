import { parseFunctionRef } from '@skiff/contracts/names';
import { describeRefProblem, splitFunctionUrl } from './function-url';

describe('splitFunctionUrl', () => {
  it.each([
    ['/function/echo', { ref: 'echo', path: '/', query: '' }],
    ['/function/echo/', { ref: 'echo', path: '/', query: '' }],
    ['/function/echo.team/a/b', { ref: 'echo.team', path: '/a/b', query: '' }],
    ['/function/echo?x=1&y=2', { ref: 'echo', path: '/', query: 'x=1&y=2' }],
    ['/function/echo/p?x=/y', { ref: 'echo', path: '/p', query: 'x=/y' }],
    ['/function/echo?', { ref: 'echo', path: '/', query: '' }],
    ['/function/echo?a/b', { ref: 'echo', path: '/', query: 'a/b' }],
    ['/function/', { ref: '', path: '/', query: '' }],
    ['/function//x', { ref: '', path: '/x', query: '' }],
    ['/function/echo/a%20b//c', { ref: 'echo', path: '/a%20b//c', query: '' }],
  ])('splits %p', (url, expected) => {
    expect(splitFunctionUrl(url)).toEqual(expected);
  });

  it('takes another prefix', () => {
    expect(splitFunctionUrl('/async-function/fn.ns/p?q', '/async-function/')).toEqual({ ref: 'fn.ns', path: '/p', query: 'q' });
  });
});

describe('parseFunctionRef (as the gateway uses it)', () => {
  it('splits on the last dot and defaults the namespace', () => {
    expect(parseFunctionRef('echo', 'dev')).toEqual({ name: 'echo', namespace: 'dev' });
    expect(parseFunctionRef('echo.team-a', 'dev')).toEqual({ name: 'echo', namespace: 'team-a' });
  });

  it.each(['', 'Echo', 'echo.', '.ns', 'a.b.c', 'echo_1', '-echo', 'echo-', 'a'.repeat(64), `echo.${'n'.repeat(64)}`, 'ec ho', '..', 'é'])(
    'rejects %p',
    (ref) => {
      expect(parseFunctionRef(ref)).toBeUndefined();
    },
  );

  it('accepts a 63-character name', () => {
    expect(parseFunctionRef('a'.repeat(63))).toEqual({ name: 'a'.repeat(63), namespace: 'openfaas-fn' });
  });
});

describe('describeRefProblem', () => {
  it.each([
    ['', /function name is empty/],
    ['Echo', /function name "Echo" is not a DNS-1123 label/],
    ['echo.', /namespace is empty/],
    ['.ns', /function name is empty/],
    ['a.b.c', /function name "a.b" is not a DNS-1123 label/],
    ['echo.NS', /namespace "NS" is not/],
    ['a'.repeat(64), /longer than 63 characters/],
  ])('explains %p', (ref, reason) => {
    expect(describeRefProblem(ref)).toMatch(reason);
  });
});
