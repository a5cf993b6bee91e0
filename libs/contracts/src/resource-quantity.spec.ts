import { cpuMillis, memoryBytes, quantityValue } from './resource-quantity';

describe('memoryBytes', () => {
  it.each([
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['1Gi', 2 ** 30],
    ['500M', 5e8],
    ['64k', 64e3],
    ['1e9', 1e9],
    ['1048576', 1048576],
    ['1.5Gi', 1.5 * 2 ** 30],
  ])('%s → %d bytes', (q, bytes) => expect(memoryBytes(q)).toBe(bytes));

  it.each([undefined, '', 'lots', '-1Mi', '0', '12XB', '100m'])('%p is not a memory limit', (q) => expect(memoryBytes(q)).toBeUndefined());
});

describe('cpuMillis', () => {
  it.each([
    ['100m', 100],
    ['0.5', 500],
    ['2', 2000],
    ['1.25', 1250],
  ])('%s → %d millicores', (q, m) => expect(cpuMillis(q)).toBe(m));

  it.each([undefined, '', '0', '0m', 'fast', '1Gi'])('%p is not a CPU limit', (q) => expect(cpuMillis(q)).toBeUndefined());
});

describe('quantityValue (usage as metrics.k8s.io writes it)', () => {
  it.each([
    ['123Mi', 123 * 2 ** 20],
    ['456Ki', 456 * 1024],
    ['0', 0],
    ['250m', 0.25],
    ['12345678n', 0.012345678],
    ['12u', 0.000012],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1e3', 1000],
    ['5E-1', 0.5],
  ])('%s → %d', (q, v) => expect(quantityValue(q)).toBeCloseTo(v, 12));

  it.each([undefined, '', 'Mi', '-1', '1.2.3', '12XB', '1 Mi'])('%p is not a quantity', (q) => expect(quantityValue(q)).toBeUndefined());
});
