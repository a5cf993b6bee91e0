import 'reflect-metadata';
import { effectiveScaleSettings } from '@skiff/contracts';
import { LoadSample, PolicyConfig, ScalingState, decide } from './scaling.policy';

const config: PolicyConfig = {
  autoscale: true,
  rpsThreshold: 5,
  rateWindowMs: 10_000,
  sustainMs: 5_000,
  stepIntervalMs: 10_000,
  cooldownMs: 10_000,
  downWindowMs: 30_000,
};
const idle: LoadSample = { rps: 0, okRps: 0, inflight: 0, lastActiveAt: 0 };
const busy = (rps: number): LoadSample => ({ rps, okRps: rps, inflight: 1, lastActiveAt: 1 });

describe('default rule (like the APIHighInvocationRate alert)', () => {
  const settings = effectiveScaleSettings({ 'com.openfaas.scale.max': '2' });

  it('steps up only after load stayed above the threshold for the sustain time, then back to min after the cool-down', () => {
    const state = new ScalingState(0);
    expect(decide(1, settings, busy(10), state, config, 1_000)).toBeUndefined();
    expect(decide(1, settings, busy(10), state, config, 5_999)).toBeUndefined();
    const up = decide(1, settings, busy(10), state, config, 6_000);
    expect(up).toMatchObject({ replicas: 2, reason: 'autoscaler', pressureSince: 1_000 });
    expect(decide(2, settings, busy(10), state, config, 30_000)).toBeUndefined(); // capped at max
    expect(decide(2, settings, busy(1), state, config, 31_000)).toBeUndefined();
    expect(decide(2, settings, busy(1), state, config, 40_999)).toBeUndefined();
    expect(decide(2, settings, busy(1), state, config, 41_000)).toMatchObject({ replicas: 1, reason: 'autoscaler' });
  });

  it('uses the OpenFaaS step ceil(max/100 × factor) with the historical defaults (1 → 5 → 9)', () => {
    const state = new ScalingState(0);
    const defaults = effectiveScaleSettings({});
    decide(1, defaults, busy(50), state, config, 0);
    expect(decide(1, defaults, busy(50), state, config, 5_000)?.replicas).toBe(5);
    expect(decide(5, defaults, busy(50), state, config, 14_999)).toBeUndefined();
    expect(decide(5, defaults, busy(50), state, config, 15_000)?.replicas).toBe(9);
  });

  it('is disabled when min == max and when autoscaling is off', () => {
    const pinned = effectiveScaleSettings({ 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' });
    const state = new ScalingState(0);
    for (let t = 0; t <= 60_000; t += 1_000) expect(decide(2, pinned, busy(100), state, config, t)).toBeUndefined();
    const off = new ScalingState(0);
    for (let t = 0; t <= 60_000; t += 1_000)
      expect(decide(1, settings, busy(100), off, { ...config, autoscale: false }, t)).toBeUndefined();
  });

  it('never touches a function at zero replicas (only a wake does)', () => {
    expect(decide(0, settings, busy(100), new ScalingState(0), config, 100_000)).toBeUndefined();
  });
});

describe('target rules', () => {
  it('rps: desired = ceil(load / (target × proportion)) within [min, max]', () => {
    const s = effectiveScaleSettings({
      'com.openfaas.scale.target': '10',
      'com.openfaas.scale.type': 'rps',
      'com.openfaas.scale.max': '4',
    });
    expect(decide(1, s, busy(27), new ScalingState(0), config, 0)?.replicas).toBe(3); // 27 / 9 = 3
    expect(decide(1, s, busy(1000), new ScalingState(0), config, 0)?.replicas).toBe(4);
  });

  it('capacity reads in-flight calls and cpu reads millicores', () => {
    const cap = effectiveScaleSettings({
      'com.openfaas.scale.target': '2',
      'com.openfaas.scale.type': 'capacity',
      'com.openfaas.scale.target-proportion': '1',
    });
    expect(decide(1, cap, { ...idle, inflight: 7 }, new ScalingState(0), config, 0)?.replicas).toBe(4);
    const cpu = effectiveScaleSettings({
      'com.openfaas.scale.target': '500',
      'com.openfaas.scale.type': 'cpu',
      'com.openfaas.scale.target-proportion': '1',
    });
    expect(decide(1, cpu, { ...idle, cpuMillicores: 1200 }, new ScalingState(0), config, 0)?.replicas).toBe(3);
    expect(decide(1, cpu, idle, new ScalingState(0), config, 0)).toBeUndefined(); // not measured yet
  });

  it('memory reads bytes against a byte target or a percentage of limits.memory', () => {
    const labels = { 'com.openfaas.scale.type': 'memory', 'com.openfaas.scale.target-proportion': '1' };
    const bytes = effectiveScaleSettings({ ...labels, 'com.openfaas.scale.target': '100Mi' });
    const mib = 2 ** 20;
    const up = decide(1, bytes, { ...idle, memoryBytes: 250 * mib }, new ScalingState(0), config, 0);
    expect(up).toMatchObject({ replicas: 3, detail: 'scale up: memory 250.0 MiB for target 100.0 MiB × 1' });
    const percent = effectiveScaleSettings({ ...labels, 'com.openfaas.scale.target': '50%' }, { memory: '256Mi' });
    expect(percent.target).toBe(128 * mib);
    expect(decide(1, percent, { ...idle, memoryBytes: 300 * mib }, new ScalingState(0), config, 0)?.replicas).toBe(3);
    expect(decide(1, percent, idle, new ScalingState(0), config, 0)).toBeUndefined(); // not measured yet
  });

  it('scales down only to the highest recommendation of the stabilisation window', () => {
    const s = effectiveScaleSettings({
      'com.openfaas.scale.target': '10',
      'com.openfaas.scale.target-proportion': '1',
      'com.openfaas.scale.down.window': '20s',
    });
    const state = new ScalingState(0);
    expect(decide(1, s, busy(40), state, config, 0)?.replicas).toBe(4);
    expect(decide(4, s, busy(5), state, config, 10_000)).toBeUndefined(); // 4 is still in the window
    expect(decide(4, s, busy(5), state, config, 20_001)?.replicas).toBe(1);
  });
});

describe('scale to zero', () => {
  const s = effectiveScaleSettings({ 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.zero-duration': '30s' });

  it('goes to zero after zero-duration without calls, counted from the last call or wake', () => {
    const state = new ScalingState(0);
    expect(decide(1, s, { ...idle, lastActiveAt: 10_000 }, state, config, 39_999)).toBeUndefined();
    expect(decide(1, s, { ...idle, lastActiveAt: 10_000 }, state, config, 40_000)).toMatchObject({ replicas: 0, reason: 'idle' });
    state.reset(50_000);
    expect(decide(1, s, { ...idle, lastActiveAt: 10_000 }, state, config, 60_000)).toBeUndefined();
  });

  it('never while calls are in flight, and never without the label', () => {
    expect(decide(1, s, { ...idle, inflight: 1 }, new ScalingState(0), config, 3_600_000)).toBeUndefined();
    expect(decide(1, effectiveScaleSettings({}), idle, new ScalingState(0), config, 3_600_000)).toBeUndefined();
  });
});
