import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { gatewayStartup } from './gateway.startup';

describe('gatewayStartup', () => {
  it('loads every part with its defaults', () => {
    const config = gatewayStartup({ SKIFF_ADMIN_PASSWORD: 'a-long-enough-password' });
    expect(config.gateway.upstreamTimeoutMs).toBe(60_000);
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = {
      SKIFF_UPSTREAM_TIMEOUT: 'soon',
      SKIFF_LOGS_MAX_AGE_S: 'never',
      SKIFF_ASYNC_PUBLISH_TIMEOUT_MS: 'x',
    };
    let error: unknown;
    try {
      gatewayStartup({ ...{ SKIFF_ADMIN_PASSWORD: 'a-long-enough-password' }, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
