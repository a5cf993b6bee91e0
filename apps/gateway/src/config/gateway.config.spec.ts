import 'reflect-metadata';
import { gatewayConfig } from './gateway.config';

describe('gatewayConfig', () => {
  it('applies the defaults', () => {
    const sut = gatewayConfig({});
    expect(sut).toMatchObject({
      port: 8080,
      metricsPort: 8084,
      upstreamTimeoutMs: 60_000,
      defaultNamespace: 'openfaas-fn',
      maxBodyBytes: 32 * 1024 * 1024,
    });
  });

  it('reads seconds and Go durations for the upstream timeout', () => {
    expect(gatewayConfig({ SKIFF_UPSTREAM_TIMEOUT: '90' }).upstreamTimeoutMs).toBe(90_000);
    expect(gatewayConfig({ SKIFF_UPSTREAM_TIMEOUT: '1m5s' }).upstreamTimeoutMs).toBe(65_000);
  });

  it('reads numbers from strings', () => {
    expect(gatewayConfig({ SKIFF_GATEWAY_PORT: '18080', SKIFF_MAX_BODY_BYTES: '65536' })).toMatchObject({
      port: 18080,
      maxBodyBytes: 65_536,
    });
  });

  it('names every bad variable', () => {
    expect(() =>
      gatewayConfig({
        SKIFF_GATEWAY_PORT: 'x',
        SKIFF_UPSTREAM_TIMEOUT: 'soon',
        SKIFF_DEFAULT_NAMESPACE: 'Bad.NS',
        SKIFF_MAX_BODY_BYTES: '-1',
      }),
    ).toThrow(/SKIFF_GATEWAY_PORT[\s\S]*SKIFF_UPSTREAM_TIMEOUT[\s\S]*SKIFF_MAX_BODY_BYTES[\s\S]*SKIFF_DEFAULT_NAMESPACE/);
  });

  it('reads the allowed origins and host names, and refuses what is neither', () => {
    expect(
      gatewayConfig({
        SKIFF_GATEWAY_ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080',
        SKIFF_GATEWAY_HOSTS: 'faas.example,*.example.org',
      }),
    ).toMatchObject({
      allowedOrigins: ['https://a.example', 'http://b.example:8080'],
      hosts: 'faas.example,*.example.org',
    });
    expect(gatewayConfig({}).hosts).toBeUndefined();
    for (const origins of ['a.example', 'https://a.example/path', 'ftp://a.example', 'https://u@a.example', 'https://a.example/']) {
      expect(() => gatewayConfig({ SKIFF_GATEWAY_ALLOWED_ORIGINS: origins })).toThrow(/SKIFF_GATEWAY_ALLOWED_ORIGINS/);
    }
    for (const hosts of ['faas.example:8080', 'http://faas.example', 'a b', '*']) {
      expect(() => gatewayConfig({ SKIFF_GATEWAY_HOSTS: hosts })).toThrow(/SKIFF_GATEWAY_HOSTS/);
    }
  });

  it('reads the client timeouts and the connection cap, headers within the request timeout', () => {
    expect(gatewayConfig({}).httpLimits).toEqual({
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 120_000,
      idleTimeoutMs: 30_000,
      maxConnections: 1024,
    });
    expect(
      gatewayConfig({
        SKIFF_GATEWAY_HEADERS_TIMEOUT_MS: '2000',
        SKIFF_GATEWAY_REQUEST_TIMEOUT_MS: '5000',
        SKIFF_GATEWAY_MAX_CONNECTIONS: '24',
      }).httpLimits,
    ).toMatchObject({
      headersTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      maxConnections: 24,
    });
    expect(() => gatewayConfig({ SKIFF_GATEWAY_HEADERS_TIMEOUT_MS: '9000', SKIFF_GATEWAY_REQUEST_TIMEOUT_MS: '5000' })).toThrow(
      /SKIFF_GATEWAY_HEADERS_TIMEOUT_MS must not be larger than SKIFF_GATEWAY_REQUEST_TIMEOUT_MS/,
    );
    expect(() => gatewayConfig({ SKIFF_GATEWAY_MAX_CONNECTIONS: '0', SKIFF_GATEWAY_IDLE_TIMEOUT_MS: 'x' })).toThrow(
      /SKIFF_GATEWAY_IDLE_TIMEOUT_MS[\s\S]*SKIFF_GATEWAY_MAX_CONNECTIONS|SKIFF_GATEWAY_MAX_CONNECTIONS[\s\S]*SKIFF_GATEWAY_IDLE_TIMEOUT_MS/,
    );
  });
});
