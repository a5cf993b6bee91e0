import { Counter, Registry } from 'prom-client';
import { rawHttp } from '@skiff/testing';
import { MetricsServer } from './metrics-server';

describe('MetricsServer', () => {
  const registry = new Registry();
  new Counter({ name: 'demo_total', help: 'a demo counter', registers: [registry] }).inc(3);
  const sut = new MetricsServer(registry, { port: 0, host: '127.0.0.1' });

  beforeAll(() => sut.onApplicationBootstrap());
  afterAll(() => sut.onApplicationShutdown());

  it('serves GET /metrics and nothing else', async () => {
    const port = sut.port as number;
    const metrics = await rawHttp(port, { target: '/metrics?x=1' });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('demo_total 3');
    expect(metrics.headers['cache-control']).toBe('no-store');
    for (const [method, target] of [
      ['GET', '/'],
      ['GET', '/healthz'],
      ['POST', '/metrics'],
      ['GET', '/metrics/x'],
    ]) {
      expect([method, target, (await rawHttp(port, { method, target })).status]).toEqual([method, target, 404]);
    }
  });

  it('fails to start on a port in use, naming it', async () => {
    const second = new MetricsServer(registry, { port: sut.port as number, host: '127.0.0.1' });
    await expect(second.onApplicationBootstrap()).rejects.toThrow(new RegExp(`metrics port ${sut.port}`));
  });
});
