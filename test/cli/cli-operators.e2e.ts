// Issue 17, part 3: what only curl reached before, from `skiff` against a real platform (provider,
// gateway, queue-worker): namespaces created and deleted, async call status and cancel, dead letters
// listed, shown, replayed and dropped, secrets with --json; every command in text and --json.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { HttpClient, Platform, TEST_ADMIN_PASSWORD, waitFor } from '@skiff/testing';
import { SkiffSandbox } from './cli-harness';

jest.setTimeout(180_000);

interface DeadLetter {
  id: number;
  callId: string;
  name: string;
  status: number;
  attempts: number;
}

describe('skiff operator commands against a running platform', () => {
  let platform: Platform;
  let gw: HttpClient;
  let sandbox: SkiffSandbox;

  beforeAll(async () => {
    platform = await Platform.start({ services: ['provider', 'gateway', 'queue-worker'] });
    gw = platform.client();
    sandbox = new SkiffSandbox({ SKIFF_URL: platform.url(), SKIFF_PASSWORD: TEST_ADMIN_PASSWORD });
  });

  afterAll(async () => {
    await platform?.stop();
    sandbox?.remove();
  });

  const ok = async (args: string[]) => {
    try {
      return await sandbox.ok(args);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- platform (last lines) ---\n${platform.logs().slice(-6000)}`);
    }
  };
  const json = async <T>(args: string[]): Promise<T> => JSON.parse((await ok([...args, '--json'])).stdout) as T;

  it('namespace create, list and delete (text and --json); a deploy needs the namespace first', async () => {
    expect((await ok(['namespace', 'create', 'ops-team', '--label', 'team=ops'])).stdout).toContain('Created: ops-team');
    expect(await json<string[]>(['namespace', 'list'])).toContain('ops-team');
    const created = await json<{ name: string; labels: Record<string, string> }>(['namespace', 'create', 'ops-json']);
    expect(created).toMatchObject({ name: 'ops-json', labels: { openfaas: '1' } });
    const again = await sandbox.run(['namespace', 'create', 'ops-team']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already exists');
    expect((await sandbox.run(['namespace', 'create', 'Bad_Name'])).stderr).toContain('DNS-1123');

    expect((await gw.post('/system/functions', { service: 'in-ops', image: 'any', envProcess: 'cat', namespace: 'ops-team' })).status).toBe(
      202,
    );
    const busy = await sandbox.run(['namespace', 'delete', 'ops-team']);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain('still holds 1 function');
    expect((await gw.delete('/system/functions', { functionName: 'in-ops', namespace: 'ops-team' })).status).toBe(202);
    expect((await ok(['namespace', 'delete', 'ops-team'])).stdout).toContain('Deleted: ops-team');
    expect(await json<{ deleted: boolean }>(['namespace', 'delete', 'ops-json'])).toEqual({ name: 'ops-json', deleted: true });
    expect(await json<string[]>(['namespace', 'list'])).not.toContain('ops-team');
  });

  it('secret create, list and remove with --json, values never printed', async () => {
    expect(await json(['secret', 'create', 'ops-key', '--from-literal', 'hush-42'])).toMatchObject({ name: 'ops-key', created: true });
    const listed = await ok(['secret', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'ops-key' })]));
    expect(listed.stdout).not.toContain('hush-42');
    expect(await json(['secret', 'update', 'ops-key', '--from-literal', 'hush-43'])).toMatchObject({ name: 'ops-key', updated: true });
    expect(await json(['secret', 'remove', 'ops-key'])).toMatchObject({ name: 'ops-key', removed: true });
  });

  it('async status of a finished call, in text and --json', async () => {
    expect((await gw.post('/system/functions', { service: 'ops-echo', image: 'any', envProcess: 'cat' })).status).toBe(202);
    await waitFor('ops-echo to answer', async () => (await gw.post('/function/ops-echo', 'x')).status === 200, 60_000, 250);
    const accepted = await gw.post('/async-function/ops-echo', 'hello async');
    expect(accepted.status).toBe(202);
    const callId = accepted.headers.get('x-call-id')!;
    const done = await waitFor(
      'the call to finish',
      async () => {
        const s = await json<{ state: string; statusCode?: number; body?: string }>(['async', 'status', callId]);
        return s.state === 'succeeded' ? s : undefined;
      },
      60_000,
      250,
    );
    expect(done).toMatchObject({ callId, name: 'ops-echo', statusCode: 200, body: 'hello async' });
    const text = (await ok(['async', 'status', callId, '--function', 'ops-echo'])).stdout;
    expect(text).toMatch(/State:\s+succeeded/);
    expect(text).toContain('hello async');
    // A finished call cannot be cancelled: the reason comes back.
    const late = await sandbox.run(['async', 'cancel', callId]);
    expect(late.code).not.toBe(0);
    expect(late.stderr).toContain('succeeded');
    expect((await sandbox.run(['async', 'status', '0190c0de-0000-7000-8000-00000000dead'])).stderr).toContain('no async call');
  });

  it('async cancel of a queued call', async () => {
    // One call at a time: while the first sleeps, the second waits in the queue.
    const fn = {
      service: 'ops-slow',
      image: 'any',
      envProcess: 'sleep 20',
      envVars: { exec_timeout: '60s' },
      annotations: { 'com.openfaas.queue.max_inflight': '1' },
    };
    expect((await gw.post('/system/functions', fn)).status).toBe(202);
    await waitFor(
      'ops-slow to have a ready replica',
      async () => {
        const s = await gw.get('/system/function/ops-slow');
        return s.status === 200 && (s.json<{ availableReplicas?: number }>().availableReplicas ?? 0) > 0;
      },
      60_000,
      250,
    );
    expect((await gw.post('/async-function/ops-slow', '', { headers: { 'X-Call-Id': 'ops-first' } })).status).toBe(202);
    await waitFor(
      'the first call to run',
      async () => (await json<{ state: string }>(['async', 'status', 'ops-first'])).state === 'running',
      60_000,
      250,
    );
    expect((await gw.post('/async-function/ops-slow', '', { headers: { 'X-Call-Id': 'ops-cancel-me' } })).status).toBe(202);
    expect((await json<{ state: string }>(['async', 'status', 'ops-cancel-me'])).state).toBe('queued');
    const running = await sandbox.run(['async', 'cancel', 'ops-first']);
    expect(running.code).not.toBe(0);
    expect(running.stderr).toContain('running');
    expect((await ok(['async', 'cancel', 'ops-cancel-me'])).stdout).toContain('Cancelled: ops-cancel-me');
    expect((await json<{ state: string }>(['async', 'status', 'ops-cancel-me'])).state).toBe('cancelled');
  });

  it('dlq list, show, replay and drop, in text and --json', async () => {
    // A function that always fails (500); its 500 is retryable and it has one attempt, so each call is dead-lettered at once.
    const fn = {
      service: 'ops-flaky',
      image: 'any',
      envProcess: 'false',
      annotations: { 'com.openfaas.retry.attempts': '1', 'com.openfaas.retry.codes': '500' },
    };
    expect((await gw.post('/system/functions', fn)).status).toBe(202);
    await waitFor('ops-flaky to run', async () => (await gw.post('/function/ops-flaky', 'x')).status === 500, 60_000, 250);
    for (const body of ['first', 'second']) expect((await gw.post('/async-function/ops-flaky', body)).status).toBe(202);
    const letters = await waitFor(
      'two dead letters',
      async () => {
        const l = await json<DeadLetter[]>(['dlq', 'list', '--name', 'ops-flaky']);
        return l.length >= 2 ? l : undefined;
      },
      60_000,
      250,
    );
    expect(letters[0]).toMatchObject({ name: 'ops-flaky', status: 500, attempts: 1 });
    expect((await ok(['dlq', 'list'])).stdout).toContain(letters[0].callId);

    const shown = await json<DeadLetter>(['dlq', 'show', String(letters[0].id)]);
    expect(shown).toEqual(letters[0]);
    expect((await ok(['dlq', 'show', String(letters[0].id)])).stdout).toMatch(/Reason:\s+the function answered 500/);
    expect((await sandbox.run(['dlq', 'show', 'x1'])).stderr).toContain('positive whole number');

    const replayed = await json<{ callId: string }>(['dlq', 'replay', String(letters[0].id)]);
    expect(replayed.callId).toBe(letters[0].callId);
    expect((await ok(['dlq', 'drop', String(letters[1].id)])).stdout).toContain(`Dropped: dead letter ${letters[1].id}`);
    const missing = await sandbox.run(['dlq', 'drop', String(letters[1].id)]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no dead letter');
    // The replayed call fails again and comes back as a new dead letter under the same call id.
    const after = await waitFor(
      'the replayed call dead-lettered again',
      async () => {
        const l = await json<DeadLetter[]>(['dlq', 'list', '--name', 'ops-flaky']);
        return l.find((d) => d.callId === letters[0].callId && d.id !== letters[0].id);
      },
      60_000,
      250,
    );
    expect(after).toBeTruthy();
  });
});
