import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { connectorCronStartup } from './connector-cron.startup';

describe('connectorCronStartup', () => {
  it('loads every part with its defaults', () => {
    const config = connectorCronStartup({});
    expect(config.cron.SKIFF_CONNECTOR_CRON_PORT).toBe(8086);
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = { SKIFF_CONNECTOR_CRON_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' };
    let error: unknown;
    try {
      connectorCronStartup({ ...{}, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
