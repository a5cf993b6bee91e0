import 'reflect-metadata';
import { EnvError } from '@skiff/config';
import { queueWorkerStartup } from './queue-worker.startup';

describe('queueWorkerStartup', () => {
  it('loads every part with its defaults', () => {
    const config = queueWorkerStartup({});
    expect(typeof config.worker.port).toBe('number');
  });

  it('names every bad variable, of every part, in one error', () => {
    const bad: Record<string, string> = { SKIFF_QUEUE_WORKER_PORT: 'x', SKIFF_KV_MAX_BYTES: 'lots' };
    let error: unknown;
    try {
      queueWorkerStartup({ ...{}, ...bad });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    for (const name of Object.keys(bad)) expect((error as EnvError).message).toContain(name);
  });
});
