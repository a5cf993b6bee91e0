import { functionUsage, memoryInUse } from './container-usage';

const MIB = 2 ** 20;

describe('memoryInUse (as docker stats computes it)', () => {
  it('takes the inactive file cache off the usage on cgroup v1 (total_inactive_file) and v2 (inactive_file)', () => {
    expect(memoryInUse({ usage: 100 * MIB, stats: { total_inactive_file: 30 * MIB, cache: 40 * MIB } })).toBe(70 * MIB);
    expect(memoryInUse({ usage: 100 * MIB, stats: { inactive_file: 20 * MIB, file: 25 * MIB } })).toBe(80 * MIB);
  });

  it('keeps the usage when no cache is reported or the cache reads above it', () => {
    expect(memoryInUse({ usage: 50 * MIB, stats: {} })).toBe(50 * MIB);
    expect(memoryInUse({ usage: 50 * MIB, stats: { inactive_file: 60 * MIB } })).toBe(50 * MIB);
  });

  it('is undefined for the empty stats of a stopped container', () => expect(memoryInUse({})).toBeUndefined());
});

describe('functionUsage', () => {
  const fn = (nodes: string[]) => ({ namespace: 'openfaas-fn', name: 'hog', tasks: nodes.map((nodeId) => ({ nodeId })) });

  it('sums the replicas it read', () => {
    expect(
      functionUsage(fn(['a', 'a']), [
        { memoryBytes: 100 * MIB, cpuMillicores: 200 },
        { memoryBytes: 50 * MIB, cpuMillicores: 100 },
      ]),
    ).toEqual({ namespace: 'openfaas-fn', name: 'hog', replicas: 2, memoryBytes: 150 * MIB, cpuMillicores: 300 });
  });

  it('counts the replicas out of reach at the mean of those read', () => {
    const usage = functionUsage(fn(['a', 'b', 'b', 'b']), [{ memoryBytes: 100 * MIB, cpuMillicores: 250 }]);
    expect(usage).toMatchObject({ replicas: 1, memoryBytes: 400 * MIB, cpuMillicores: 1000 });
  });

  it('leaves CPU out until a container was read twice, and measures nothing without a reading', () => {
    expect(functionUsage(fn(['a']), [{ memoryBytes: 10 * MIB }])).toMatchObject({ memoryBytes: 10 * MIB, cpuMillicores: undefined });
    expect(functionUsage(fn(['b']), [])).toBeUndefined();
  });
});
