import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { scalerStartup } from './scaler.startup';

describe('scalerStartup', () => {
  it('loads every part with its defaults', () => {
    const config = scalerStartup({});
    expect(config.scaler.SKIFF_SCALER_PORT).toBe(8082);
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = { SKIFF_SCALER_PORT: 'x', SKIFF_LEADER_LEASE_MS: 'forever' };
    let error: unknown;
    try {
      scalerStartup({ ...{}, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
