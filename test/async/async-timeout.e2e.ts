import 'reflect-metadata';
import { AsyncHarness } from './harness';

jest.setTimeout(120_000);

/** Audit #17: the queue-worker ignored `com.skiff.timeout`; both callers now share one functionTimeoutMs. */
describe('async calls keep the function timeout the gateway uses (#17, real NATS and processes)', () => {
  const h = new AsyncHarness();
  const deadlines = new Map<string, number | undefined>();

  beforeAll(async () => {
    await h.connect();
    for (const [name, annotations, env] of [
      ['annotated', { 'com.skiff.timeout': '1500ms' }, { exec_timeout: '20s' }],
      ['exec-limited', {}, { exec_timeout: '2s' }],
      ['unset', {}, {}],
    ] as const) {
      await h.deploy(name, annotations, env);
      h.replica(name, (req) => {
        deadlines.set(req.headers['x-call-id'] as string, (req as { timeoutMs?: number }).timeoutMs);
        return { status: 200 };
      });
    }
    await h.startGateway();
    await h.startWorker({ SKIFF_QUEUE_INVOKE_TIMEOUT_MS: '45000' });
  });

  afterAll(() => h.close());

  it.each([
    ['annotated', 1500],
    ['exec-limited', 2000],
    ['unset', 45000],
  ])('%s: the replica is told the deadline the gateway would give it', async (name, expected) => {
    const res = await h.submit(`/async-function/${name}`, { body: 'x', headers: { 'X-Call-Id': `deadline-${name}` } });
    expect(res.status).toBe(202);
    await h.waitState(`deadline-${name}`, 'succeeded');
    const told = deadlines.get(`deadline-${name}`);
    expect(told).toBeGreaterThan(0);
    // What is left of the one deadline when the request leaves the worker: at most the timeout, and close to it.
    expect(told).toBeLessThanOrEqual(expected);
    expect(told).toBeGreaterThan(expected / 2);
  });
});
