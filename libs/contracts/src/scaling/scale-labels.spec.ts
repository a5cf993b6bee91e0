import 'reflect-metadata';
import { SkiffError } from '../errors';
import { alertReplicas, effectiveScaleSettings, initialReplicas, parseScaleLabels } from './scale-labels';

describe('parseScaleLabels', () => {
  it('reads every scaling label', () => {
    expect(
      parseScaleLabels({
        'com.openfaas.scale.min': '0',
        'com.openfaas.scale.max': '8',
        'com.openfaas.scale.factor': '50',
        'com.openfaas.scale.zero': 'true',
        'com.openfaas.scale.zero-duration': '2m',
        'com.openfaas.scale.target': '40',
        'com.openfaas.scale.type': 'capacity',
        'com.openfaas.scale.target-proportion': '0.7',
        'com.openfaas.scale.down.window': '45s',
      }),
    ).toEqual({
      min: 0,
      max: 8,
      factor: 50,
      zero: true,
      zeroDurationMs: 120_000,
      target: 40,
      type: 'capacity',
      targetProportion: 0.7,
      downWindowMs: 45_000,
    });
  });

  it.each([
    ['com.openfaas.scale.max', '0'],
    ['com.openfaas.scale.zero', 'yes'],
    ['com.openfaas.scale.zero-duration', 'soon'],
    ['com.openfaas.scale.target', '0'],
    ['com.openfaas.scale.type', 'queue'],
    ['com.openfaas.scale.target-proportion', '1.5'],
    ['com.openfaas.scale.down.window', '-1s'],
  ])('rejects %s=%s with a 400 naming the label', (label, value) => {
    try {
      parseScaleLabels({ [label]: value });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(SkiffError);
      expect((err as SkiffError).status).toBe(400);
      expect((err as SkiffError).message).toContain(label);
    }
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

describe('memory targets', () => {
  const memory = (target: string) => ({ 'com.openfaas.scale.type': 'memory', 'com.openfaas.scale.target': target });

  it('reads bytes, a quantity or a percentage of limits.memory', () => {
    expect(parseScaleLabels(memory('67108864'))).toMatchObject({ type: 'memory', target: 67_108_864 });
    expect(parseScaleLabels(memory('64Mi'))).toMatchObject({ target: 64 * 2 ** 20 });
    expect(parseScaleLabels(memory('2G'))).toMatchObject({ target: 2e9 });
    expect(parseScaleLabels(memory('70%'), { memory: '128Mi' })).toEqual({ type: 'memory', targetPercent: 70 });
    expect(effectiveScaleSettings(memory('50%'), { memory: '128Mi' }).target).toBe(64 * 2 ** 20);
  });

  it.each([
    ['70%', null, 'needs limits.memory'],
    ['0%', { memory: '1Gi' }, 'from 1% to 100%'],
    ['150%', { memory: '1Gi' }, 'from 1% to 100%'],
    ['lots', null, 'must be bytes'],
  ])('refuses %s (limits %j) with the reason', (target, limits, reason) => {
    expect(() => parseScaleLabels(memory(target), limits)).toThrow(reason);
  });

  it('has no target for a percentage whose limit is missing (a record written by hand)', () => {
    expect(effectiveScaleSettings(memory('50%')).target).toBeUndefined();
  });
});

describe('effectiveScaleSettings', () => {
  it('fills the defaults: min 1, max 20, factor 20, zero off after 15m, rps, proportion 0.9', () => {
    expect(effectiveScaleSettings(undefined)).toEqual({
      min: 1,
      max: 20,
      factor: 20,
      zero: false,
      zeroDurationMs: 900_000,
      type: 'rps',
      targetProportion: 0.9,
    });
  });

  it('falls back to defaults for a record whose labels are invalid', () => {
    expect(effectiveScaleSettings({ 'com.openfaas.scale.max': 'x' }).max).toBe(20);
  });
});

describe('alertReplicas', () => {
  it('firing adds ceil(max/100 × factor), capped at max; resolved or a zero step go to min', () => {
    const s = { min: 1, max: 20, factor: 20 };
    expect([1, 5, 9, 13, 17].map((c) => alertReplicas(c, true, s))).toEqual([5, 9, 13, 17, 20]);
    expect(alertReplicas(20, false, s)).toBe(1);
    expect(alertReplicas(3, true, { min: 1, max: 5, factor: 0 })).toBe(1);
    expect(alertReplicas(1, true, { min: 1, max: 5, factor: 100 })).toBe(5);
  });
});
