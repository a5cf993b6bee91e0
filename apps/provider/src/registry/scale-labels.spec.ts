import 'reflect-metadata';
import { SkiffError } from '@skiff/contracts';
import { initialReplicas, parseScaleLabels } from './scale-labels';

describe('parseScaleLabels', () => {
  it('reads whole numbers, tolerating spaces', () => {
    expect(
      parseScaleLabels({ 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': ' 10 ', 'com.openfaas.scale.factor': '20' }),
    ).toEqual({
      min: 2,
      max: 10,
      factor: 20,
    });
  });

  it('returns nothing for absent labels, null or undefined', () => {
    expect(parseScaleLabels(undefined)).toEqual({});
    expect(parseScaleLabels(null)).toEqual({});
    expect(parseScaleLabels({ other: 'x' })).toEqual({});
  });

  it.each([['abc'], ['1.5'], ['-1'], ['1001'], [''], ['1e3'], ['0x10']])('rejects min "%s" with a 400 naming the label', (value) => {
    const run = () => parseScaleLabels({ 'com.openfaas.scale.min': value });
    expect(run).toThrow(SkiffError);
    try {
      run();
    } catch (err) {
      expect((err as SkiffError).status).toBe(400);
      expect((err as SkiffError).message).toContain('com.openfaas.scale.min');
      expect((err as SkiffError).message).toContain('whole number from 0 to 1000');
    }
  });

  it('rejects a factor above 100', () => {
    expect(() => parseScaleLabels({ 'com.openfaas.scale.factor': '101' })).toThrow(/scale.factor.*0 to 100/);
  });

  it('rejects min above max and names both', () => {
    expect(() => parseScaleLabels({ 'com.openfaas.scale.min': '5', 'com.openfaas.scale.max': '2' })).toThrow(
      /scale.min \(5\) must not exceed com.openfaas.scale.max \(2\)/,
    );
  });

  it('reports every bad label at once', () => {
    expect(() => parseScaleLabels({ 'com.openfaas.scale.min': 'x', 'com.openfaas.scale.max': 'y' })).toThrow(/scale.min.*; .*scale.max/);
  });
});

describe('initialReplicas', () => {
  it('is scale.min when positive, else 1', () => {
    expect(initialReplicas({ min: 3 })).toBe(3);
    expect(initialReplicas({ min: 0 })).toBe(1);
    expect(initialReplicas({})).toBe(1);
  });
});
