import 'reflect-metadata';
import { IsInt, Min } from 'class-validator';
import { BaseEnv } from './base.env';
import { EnvError, loadEnv } from './load-env';
import { loadServiceConfig } from './service-config';

class PartA extends BaseEnv {
  @IsInt()
  @Min(1)
  SKIFF_A = 1;
}

class PartB extends BaseEnv {
  @IsInt()
  @Min(1)
  SKIFF_B = 2;
}

describe('loadServiceConfig', () => {
  const load = (env: NodeJS.ProcessEnv) =>
    loadServiceConfig({
      a: () => loadEnv(PartA, env),
      b: () => loadEnv(PartB, env),
      c: () => {
        if (env.SKIFF_C === 'bad') throw new Error('SKIFF_C "bad" is not usable');
        return 'c';
      },
    });

  it('returns every part, typed', () => {
    const config = load({ SKIFF_A: '5' });
    expect(config.a.SKIFF_A).toBe(5);
    expect(config.b.SKIFF_B).toBe(2);
    expect(config.c).toBe('c');
  });

  it('names every bad variable of every part in one error, a shared one once', () => {
    let error: EnvError | undefined;
    try {
      load({ SKIFF_A: 'x', SKIFF_B: '0', SKIFF_C: 'bad', SKIFF_SUBJECT_PREFIX: 'a.b' });
    } catch (err) {
      error = err as EnvError;
    }
    expect(error).toBeInstanceOf(EnvError);
    const text = error!.problems.join('\n');
    expect(text).toMatch(/SKIFF_A/);
    expect(text).toMatch(/SKIFF_B/);
    expect(text).toMatch(/SKIFF_C/);
    expect(error!.problems.filter((p) => p.includes('SKIFF_SUBJECT_PREFIX'))).toHaveLength(1);
  });
});

describe('useProcessSettings', () => {
  /** Fresh copies of the modules: the shared ones already hold the test file's settings (test/setup-env.js). */
  function fresh() {
    let modules!: {
      config: typeof import('./service-config');
      limits: typeof import('./jetstream-limits.env');
      subjects: typeof import('@skiff/contracts/subjects');
    };
    jest.isolateModules(() => {
      modules = {
        config: jest.requireActual('./service-config'),
        limits: jest.requireActual('./jetstream-limits.env'),
        subjects: jest.requireActual('@skiff/contracts/subjects'),
      };
    });
    return modules;
  }

  it('nothing reads the quotas or the prefix before main.ts sets them from the validated configuration', () => {
    const { limits, subjects } = fresh();
    expect(() => limits.jetStreamLimits()).toThrow(/not set yet/);
    expect(() => subjects.subjects.asyncStream).toThrow(/not set yet/);
  });

  it('sets the prefix and the quotas of the process', () => {
    const { config, limits, subjects } = fresh();
    const quotas = limits.loadJetStreamLimits({ SKIFF_JS_REPLICAS: '3' });
    config.useProcessSettings({ subjectPrefix: 'p1', limits: quotas });
    expect(limits.jetStreamLimits()).toBe(quotas);
    expect(limits.jetStreamLimits().replicas).toBe(3);
    expect(subjects.subjects.asyncStream).toBe('P1_ASYNC');
  });
});
