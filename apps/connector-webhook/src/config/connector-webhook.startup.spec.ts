import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { connectorWebhookStartup } from './connector-webhook.startup';

describe('connectorWebhookStartup', () => {
  it('loads every part with its defaults', () => {
    const config = connectorWebhookStartup({});
    expect(config.webhook.SKIFF_WEBHOOK_PORT).toBe(8085);
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = { SKIFF_WEBHOOK_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' };
    let error: unknown;
    try {
      connectorWebhookStartup({ ...{}, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
