import 'reflect-metadata';
import { callbackUrlProblem } from './async-invoke.handler';

describe('callbackUrlProblem', () => {
  it('accepts absolute http and https URLs', () => {
    expect(callbackUrlProblem('http://127.0.0.1:8080/cb?x=1')).toBeUndefined();
    expect(callbackUrlProblem('https://example.com/hook')).toBeUndefined();
  });

  it('names the problem of anything else', () => {
    expect(callbackUrlProblem('ftp://example.com/x')).toContain('must use http or https, not ftp');
    expect(callbackUrlProblem('javascript:alert(1)')).toContain('must use http or https');
    expect(callbackUrlProblem('/relative/path')).toContain('not a valid absolute URL');
    expect(callbackUrlProblem('http://a.example/, http://b.example/')).toContain('whitespace');
    expect(callbackUrlProblem('')).toContain('not a valid absolute URL');
  });
});
