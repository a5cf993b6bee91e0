import 'reflect-metadata';
import { CallbackPolicy } from '@skiff/contracts';
import { callbackUrlProblem } from './async-invoke.handler';

describe('callbackUrlProblem', () => {
  const open = CallbackPolicy.parse('127.0.0.1/32');
  const closed = CallbackPolicy.parse('');

  it('accepts absolute http and https URLs', () => {
    expect(callbackUrlProblem('http://127.0.0.1:8080/cb?x=1', open)).toBeUndefined();
    expect(callbackUrlProblem('https://example.com/hook', closed)).toBeUndefined();
  });

  it('names the problem of anything else', () => {
    expect(callbackUrlProblem('ftp://example.com/x', closed)).toContain('must use http or https, not ftp');
    expect(callbackUrlProblem('javascript:alert(1)', closed)).toContain('must use http or https');
    expect(callbackUrlProblem('/relative/path', closed)).toContain('not a valid absolute URL');
    expect(callbackUrlProblem('http://a.example/, http://b.example/', closed)).toContain('whitespace');
    expect(callbackUrlProblem('', closed)).toContain('not a valid absolute URL');
  });

  it('refuses literal non-public hosts in every spelling the URL parser normalises (#7)', () => {
    for (const url of [
      'http://127.0.0.1:8080/cb',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://169.254.169.254/',
      'http://localhost/',
    ]) {
      expect(callbackUrlProblem(url, closed)).toContain('SKIFF_CALLBACK_ALLOW');
    }
    expect(callbackUrlProblem('http://127.0.0.2/', open)).toContain('127.0.0.2 is loopback');
  });
});
