import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { providerStartup } from './provider.startup';

describe('providerStartup', () => {
  it('loads every part with its defaults', () => {
    const config = providerStartup({});
    expect(config.provider.SKIFF_BACKEND).toBe('local');
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = { SKIFF_BACKEND: 'mars', SKIFF_LOGS_MAX_AGE_S: 'never', SKIFF_LEADER_LEASE_MS: 'forever' };
    let error: unknown;
    try {
      providerStartup({ ...{}, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
