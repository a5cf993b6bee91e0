import 'reflect-metadata';
import { FunctionRecord } from '@skiff/contracts';
import type { FunctionRegistryCache } from '@skiff/nats';
import type { GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from './function-resolver.service';

function record(envVars?: Record<string, string>): FunctionRecord {
  return { spec: { service: 'fn', image: 'x', namespace: 'ns', envVars }, replicas: 1, createdAt: '', updatedAt: '' };
}

describe(FunctionResolver.name, () => {
  let current: FunctionRecord | undefined;
  let sut: FunctionResolver;

  beforeEach(() => {
    current = undefined;
    const registry = { get: () => current } as unknown as FunctionRegistryCache;
    sut = new FunctionResolver(registry, { upstreamTimeoutMs: 60_000 } as GatewayConfig);
  });

  describe('resolve', () => {
    it('returns undefined for an unknown function', () => {
      expect(sut.resolve('ns', 'fn')).toBeUndefined();
    });

    it("derives the call timeout from the record's env", () => {
      current = record({ exec_timeout: '3s' });
      expect(sut.resolve('ns', 'fn')).toMatchObject({ name: 'fn', namespace: 'ns', timeoutMs: 3_000 });
    });

    it('computes once per record and again when the record is replaced', () => {
      current = record({ exec_timeout: '3s' });
      const first = sut.resolve('ns', 'fn');
      expect(sut.resolve('ns', 'fn')).toBe(first);
      current = record({ exec_timeout: '7s' });
      expect(sut.resolve('ns', 'fn')?.timeoutMs).toBe(7_000);
    });
  });
});
