import { normaliseGateway, resolveGateway } from './gateway-url';

describe('gateway URL', () => {
  const saved = { SKIFF_URL: process.env.SKIFF_URL, OPENFAAS_URL: process.env.OPENFAAS_URL };
  afterEach(() => Object.assign(process.env, saved));

  it('follows faas-cli precedence: flag > SKIFF_URL/OPENFAAS_URL > yaml > default', () => {
    delete process.env.SKIFF_URL;
    delete process.env.OPENFAAS_URL;
    expect(resolveGateway(undefined)).toBe('http://127.0.0.1:8080');
    expect(resolveGateway(undefined, 'http://yaml:1')).toBe('http://yaml:1');
    process.env.OPENFAAS_URL = 'http://openfaas:2';
    expect(resolveGateway(undefined, 'http://yaml:1')).toBe('http://openfaas:2');
    process.env.SKIFF_URL = 'http://skiff:3/';
    expect(resolveGateway(undefined, 'http://yaml:1')).toBe('http://skiff:3');
    expect(resolveGateway('flag:4', 'http://yaml:1')).toBe('http://flag:4');
  });

  it('refuses what is not http(s)', () => {
    expect(() => normaliseGateway('ftp://x')).toThrow(/must be http/);
  });
});
