import 'reflect-metadata';
import { loadEnv } from '@skiff/config';
import { ProviderEnv, shutdownBudget } from './provider.env';

describe('ProviderEnv', () => {
  it('has usable defaults, with the watchdog entry beside the provider', () => {
    const env = loadEnv(ProviderEnv, {});
    expect(env.SKIFF_PROVIDER_PORT).toBe(8081);
    expect(env.SKIFF_BACKEND).toBe('local');
    expect(env.SKIFF_WATCHDOG_ENTRY).toMatch(/apps[/\\]watchdog[/\\]src[/\\]main\.js$/);
  });

  it('converts numbers and names every bad variable', () => {
    expect(loadEnv(ProviderEnv, { SKIFF_PROVIDER_PORT: '9000' }).SKIFF_PROVIDER_PORT).toBe(9000);
    expect(() => loadEnv(ProviderEnv, { SKIFF_BACKEND: 'nomad', SKIFF_RESTART_BACKOFF_MIN_MS: 'soon' })).toThrow(
      /SKIFF_RESTART_BACKOFF_MIN_MS[\s\S]*SKIFF_BACKEND must be one of local, swarm|SKIFF_BACKEND must be one of local, swarm[\s\S]*SKIFF_RESTART_BACKOFF_MIN_MS/,
    );
    expect(() => loadEnv(ProviderEnv, { SKIFF_SWARM_FUNCTION_USER: '0:0', SKIFF_DOCKER_HOST: 'docker.sock' })).toThrow(
      /SKIFF_DOCKER_HOST must be[\s\S]*SKIFF_SWARM_FUNCTION_USER must be|SKIFF_SWARM_FUNCTION_USER must be[\s\S]*SKIFF_DOCKER_HOST must be/,
    );
    expect(loadEnv(ProviderEnv, { SKIFF_BACKEND: 'swarm', SKIFF_DOCKER_HOST: 'tcp://10.0.0.1:2375' }).SKIFF_BACKEND).toBe('swarm');
  });
});

describe('shutdownBudget', () => {
  it('keeps replica stops plus the RPC drain inside the grace', () => {
    for (const grace of [0, 1_000, 10_000, 60_000]) {
      const b = shutdownBudget(grace);
      expect(b.rpcGraceMs).toBeLessThanOrEqual(2_000);
      if (grace >= 1_000) expect(b.rpcGraceMs + b.replicaStopGraceMs).toBeLessThan(grace);
      expect(b.replicaStopGraceMs).toBeGreaterThanOrEqual(100);
    }
  });
});
